package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the Vault token and keeps it alive: renews it once two thirds of its TTL have passed,
 * logs in again when renewal is capped by the max TTL or Vault rejects the token ("invalid
 * token" in a 403, as Vault 1.17+ says for a revoked or expired token), and re-sends the
 * request once with the new token. A fixed token from the configuration is renewed while it can
 * be, and never replaced.
 */
final class VaultSession {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSession.class);

    private final VaultHttp http;
    private final VaultLogin login;
    private final Clock clock;
    private final Object lock = new Object();
    private final AtomicInteger logins = new AtomicInteger();
    private final AtomicInteger renewals = new AtomicInteger();
    private volatile TokenState state;

    /**
     * @param ttl       the token's lifetime when obtained or last renewed; zero if it never expires
     * @param increment what to ask for at renewal
     * @param refreshAt when to renew or log in again; null for never
     * @param capped    whether the last renewal was cut short by the max TTL
     */
    private record TokenState(Secret token, Instant obtained, Duration ttl, Duration increment, boolean renewable, Instant refreshAt, boolean capped) {
        Instant expiresAt() {
            return ttl.isZero() ? null : obtained.plus(ttl);
        }
    }

    VaultSession(VaultHttp http, VaultLogin login, Clock clock) {
        this.http = http;
        this.login = login;
        this.clock = clock;
    }

    /**
     * A fixed token is not looked up before it is first needed: at first use it is simply sent, and
     * Vault's refusal of an invalid one is reported then (UNAUTHENTICATED). Its lifetime is looked up
     * ({@code auth/token/lookup-self}) once {@link #FIXED_TOKEN_LOOKUP_AFTER} has passed, so a short
     * command makes no request but its work, and a server still renews a renewable token in time
     * (unless its whole TTL is shorter than that delay).
     */
    static final Duration FIXED_TOKEN_LOOKUP_AFTER = Duration.ofSeconds(30);

    /** Logs in (AppRole, Kubernetes), so wrong credentials fail at start rather than at first use. */
    void start() {
        synchronized (lock) {
            if (state == null) {
                state = obtain("start");
            }
        }
    }

    int logins() {
        return logins.get();
    }

    int renewals() {
        return renewals.get();
    }

    boolean canLogInAgain() {
        return !(login instanceof VaultLogin.FixedToken);
    }

    /** Sends an authenticated request; one re-login and re-send if Vault says the token is invalid. */
    VaultResponse call(String method, String path, Optional<JsonNode> body, boolean idempotent) {
        TokenState s = current();
        VaultResponse r = http.send(method, path, body, Optional.of(s.token()), idempotent);
        if (!r.invalidToken()) {
            return r;
        }
        if (!canLogInAgain()) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "Vault rejected " + login.describe() + " (" + r.errorsText()
                    + "): it is invalid, expired or revoked; give a valid token, or use auth: approle or kubernetes so Ephemera can log in again");
        }
        // A 403 means Vault applied nothing, so re-sending the same request is safe.
        TokenState fresh = reloginAfterRejection(s);
        VaultResponse again = http.send(method, path, body, Optional.of(fresh.token()), idempotent);
        if (again.invalidToken()) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "Vault rejected a token it had just issued through " + login.describe()
                    + " (" + again.errorsText() + "); check the role's token settings (token_num_uses, bound CIDRs)");
        }
        return again;
    }

    private TokenState current() {
        TokenState s = state;
        Instant now = clock.instant();
        if (s != null && (s.refreshAt() == null || now.isBefore(s.refreshAt()))) {
            return s;
        }
        synchronized (lock) {
            s = state;
            if (s == null) {
                state = obtain("first use");
            } else if (s.refreshAt() != null && !now.isBefore(s.refreshAt())) {
                state = refresh(s, now);
            }
            return state;
        }
    }

    private TokenState reloginAfterRejection(TokenState rejected) {
        synchronized (lock) {
            if (state != rejected && state != null) {
                return state; // another thread has already logged in again
            }
            state = obtain("token rejected by Vault");
            return state;
        }
    }

    private TokenState refresh(TokenState s, Instant now) {
        Instant expires = s.expiresAt();
        boolean expired = expires != null && !now.isBefore(expires);
        if (s.renewable() && !s.capped() && !expired) {
            Optional<TokenState> renewed = renew(s, now);
            if (renewed.isPresent()) {
                return renewed.get();
            }
        }
        if (canLogInAgain()) {
            return obtain(expired ? "token expired" : s.capped() ? "token reached its max TTL" : "token due for renewal");
        }
        if (s.ttl().isZero() && !s.renewable() && s.refreshAt() != null) {
            // A fixed token used for FIXED_TOKEN_LOOKUP_AFTER without a lookup: learn its lifetime now.
            return lookupFixed(s.token(), now);
        }
        // A fixed token we cannot renew: keep using it until Vault refuses it.
        return new TokenState(s.token(), s.obtained(), s.ttl(), s.increment(), s.renewable(), null, s.capped());
    }

    private Optional<TokenState> renew(TokenState s, Instant now) {
        ObjectNode body = VaultHttp.JSON.createObjectNode();
        body.put("increment", s.increment().toSeconds() + "s");
        VaultResponse r;
        try {
            r = http.send("POST", "auth/token/renew-self", Optional.of(body), Optional.of(s.token()), true);
        } catch (EphemeraException e) {
            LOG.warn("vault token renewal failed; {}", canLogInAgain() ? "logging in again" : "keeping the token", e);
            return Optional.empty();
        }
        if (!r.ok()) {
            LOG.info("vault token renewal refused (status={}, errors={}); {}", r.status(), r.errorsText(),
                    canLogInAgain() ? "logging in again" : "keeping the token");
            return Optional.empty();
        }
        renewals.incrementAndGet();
        long lease = r.auth().path("lease_duration").asLong(0);
        Duration ttl = Duration.ofSeconds(lease);
        boolean capped = lease < s.increment().toSeconds();
        LOG.debug("vault token renewed: ttl={}s capped={}", lease, capped);
        return Optional.of(new TokenState(s.token(), now, ttl, s.increment(), r.auth().path("renewable").asBoolean(s.renewable()),
                refreshAt(now, ttl), capped));
    }

    /** Logs in (AppRole, Kubernetes) or looks up the fixed token. */
    private TokenState obtain(String why) {
        Instant now = clock.instant();
        Optional<VaultLogin.Request> request = login.request();
        if (request.isEmpty()) {
            Secret token = ((VaultLogin.FixedToken) login).token();
            if (why.equals("start") || why.equals("first use")) {
                // Not looked up yet: lifetime unknown until FIXED_TOKEN_LOOKUP_AFTER, when refresh() looks it up.
                return new TokenState(token, now, Duration.ZERO, Duration.ZERO, false, now.plus(FIXED_TOKEN_LOOKUP_AFTER), false);
            }
            return lookupFixed(token, now);
        }
        VaultLogin.Request req = request.get();
        // Resending a login whose answer was lost only issues a spare token, so it counts as idempotent.
        VaultResponse r = http.send("POST", req.path(), Optional.of(req.body()), Optional.empty(), true);
        if (r.status() == 400 || r.status() == 401 || r.status() == 403) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "Vault refused the " + login.describe() + ": " + r.errorsText()
                    + (login instanceof VaultLogin.Kubernetes ? "; check the role's bound service accounts and that the token file is current"
                    : "; check the role id and that the secret id is current (secret ids can expire or be used up)"));
        }
        if (!r.ok()) {
            throw VaultErrors.of("log in", "POST", req.path(), "update", r, r.attempts());
        }
        JsonNode auth = r.auth();
        String token = auth.path("client_token").asText("");
        if (token.isEmpty()) {
            throw new EphemeraException(ErrorCode.BACKEND, "Vault's answer to the " + login.describe() + " carried no client_token");
        }
        logins.incrementAndGet();
        Duration ttl = Duration.ofSeconds(auth.path("lease_duration").asLong(0));
        boolean renewable = auth.path("renewable").asBoolean(false);
        if (why.equals("start") || why.equals("first use")) {
            // Every CLI run logs in once; only logins that replace a token are worth a line.
            LOG.debug("logged in to vault: method={} ttl={}s renewable={}", login.getClass().getSimpleName(), ttl.toSeconds(), renewable);
        } else {
            LOG.info("logged in to vault again: method={} reason={} ttl={}s renewable={}", login.getClass().getSimpleName(), why, ttl.toSeconds(), renewable);
        }
        return new TokenState(Secret.of(token), now, ttl, ttl, renewable, refreshAt(now, ttl), false);
    }

    private TokenState lookupFixed(Secret token, Instant now) {
        VaultResponse r = http.send("GET", "auth/token/lookup-self", Optional.empty(), Optional.of(token), true);
        if (r.invalidToken()) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "Vault rejected " + login.describe() + " (" + r.errorsText()
                    + "): it is invalid, expired or revoked; give a valid token");
        }
        if (!r.ok()) {
            // No right to look itself up (a policy without the default one): use it and let Vault judge each request.
            LOG.debug("vault token lookup-self answered {}; token lifetime unknown", r.status());
            return new TokenState(token, now, Duration.ZERO, Duration.ZERO, false, null, false);
        }
        Duration ttl = Duration.ofSeconds(r.data().path("ttl").asLong(0));
        Duration creation = Duration.ofSeconds(r.data().path("creation_ttl").asLong(ttl.toSeconds()));
        boolean renewable = r.data().path("renewable").asBoolean(false);
        return new TokenState(token, now, ttl, creation.isZero() ? ttl : creation, renewable, renewable ? refreshAt(now, ttl) : null, false);
    }

    private static Instant refreshAt(Instant now, Duration ttl) {
        if (ttl.isZero()) {
            return null;
        }
        return now.plus(ttl.multipliedBy(2).dividedBy(3));
    }
}
