package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.testkit.fake.github.FakeGitHubApp;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The App JWT, checked by an independent library (auth0 java-jwt) with the App's public key. */
@DisplayName("The GitHub App JWT")
class AppJwtTest {
    private static final FakeGitHubApp APP = new FakeGitHubApp(123456, "Iv23liExample", "ephemera-test");
    private final Instant now = Instant.parse("2026-03-01T10:00:00.750Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);

    private DecodedJWT verify(String token, String issuer) {
        JWTVerifier verifier = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(APP.publicKey(), null)).withIssuer(issuer))
                .build(clock);
        return verifier.verify(token);
    }

    @Test
    @DisplayName("from a PKCS#1 key (as GitHub issues it) verifies with the public key and carries iss, iat 60 s back, exp at most 10 minutes ahead")
    void pkcs1() {
        String token = new AppJwt("123456", PemKeys.rsaPrivateKey(Secret.of(APP.privateKeyPkcs1Pem()), "github.private-key"), clock).token();

        DecodedJWT jwt = verify(token, "123456");

        assertThat(jwt.getAlgorithm()).isEqualTo("RS256");
        long nowSeconds = now.getEpochSecond();
        assertThat(jwt.getClaim("iat").asLong()).isEqualTo(nowSeconds - 60);
        assertThat(jwt.getClaim("exp").asLong()).isLessThanOrEqualTo(nowSeconds + 600).isGreaterThan(nowSeconds);
        assertThat(jwt.getClaim("exp").asLong() - jwt.getClaim("iat").asLong()).isLessThanOrEqualTo(600);
        assertThat(jwt.getIssuer()).isEqualTo("123456");
    }

    @Test
    @DisplayName("writes iat and exp as whole seconds (JSON integers)")
    void integerSeconds() {
        String token = new AppJwt("123456", PemKeys.rsaPrivateKey(Secret.of(APP.privateKeyPkcs1Pem()), "k"), clock).token();
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);

        assertThat(payload).containsPattern("\"iat\":\\d+[,}]").containsPattern("\"exp\":\\d+[,}]");
    }

    @Test
    @DisplayName("from a PKCS#8 key verifies the same way, with the client id as issuer")
    void pkcs8ClientId() {
        String token = new AppJwt(APP.clientId(), PemKeys.rsaPrivateKey(Secret.of(APP.privateKeyPkcs8Pem()), "k"), clock).token();

        assertThat(verify(token, APP.clientId()).getIssuer()).isEqualTo(APP.clientId());
    }

    @Test
    @DisplayName("is reused while fresh and renewed a minute before it expires")
    void reusedThenRenewed() {
        TestGitHub.MovableClock moving = new TestGitHub.MovableClock(now);
        AppJwt jwt = new AppJwt("1", PemKeys.rsaPrivateKey(Secret.of(APP.privateKeyPkcs1Pem()), "k"), moving);
        String first = jwt.token();
        moving.advance(java.time.Duration.ofMinutes(7));
        assertThat(jwt.token()).isEqualTo(first);
        moving.advance(java.time.Duration.ofMinutes(1).plusSeconds(1));
        assertThat(jwt.token()).isNotEqualTo(first);
    }

    @Test
    @DisplayName("refuses a key that is not a private key, without echoing it")
    void refusesNonKeys() {
        assertThatThrownBy(() -> PemKeys.rsaPrivateKey(Secret.of(APP.publicKeyPem()), "github.private-key"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
                    assertThat(e.getMessage()).contains("github.private-key").doesNotContain("MII");
                });
        assertThatThrownBy(() -> PemKeys.rsaPrivateKey(Secret.of("not a pem"), "github.private-key"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
    }
}
