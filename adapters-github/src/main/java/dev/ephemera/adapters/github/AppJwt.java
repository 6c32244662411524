package dev.ephemera.adapters.github;

import io.jsonwebtoken.Jwts;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;

/**
 * The JSON Web Token a GitHub App authenticates as itself with: RS256, {@code iss} = app id or
 * client id, {@code iat} 60 s in the past and {@code exp} 9 minutes ahead (GitHub refuses an
 * {@code exp} more than 10 minutes ahead of its clock, so a host clock that runs a little fast
 * still passes), whole seconds. Signed with jjwt; reused until a minute before it expires.
 */
final class AppJwt {
    static final Duration BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofSeconds(540);
    private static final Duration RENEW_BEFORE = Duration.ofSeconds(60);

    private final String issuer;
    private final RSAPrivateKey key;
    private final Clock clock;
    private String current;
    private Instant currentExpiry = Instant.MIN;

    AppJwt(String issuer, RSAPrivateKey key, Clock clock) {
        this.issuer = issuer;
        this.key = key;
        this.clock = clock;
    }

    synchronized String token() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        if (current == null || !now.isBefore(currentExpiry.minus(RENEW_BEFORE))) {
            Instant exp = now.plus(LIFETIME);
            current = Jwts.builder()
                    .issuer(issuer)
                    .issuedAt(Date.from(now.minus(BACKDATE)))
                    .expiration(Date.from(exp))
                    .signWith(key, Jwts.SIG.RS256)
                    .compact();
            currentExpiry = exp;
        }
        return current;
    }

    synchronized void forget() {
        current = null;
    }
}
