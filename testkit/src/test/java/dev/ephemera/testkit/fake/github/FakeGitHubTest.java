package dev.ephemera.testkit.fake.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fake is strict where GitHub is: it refuses what GitHub refuses, and records every departure from the spec. */
@DisplayName("The fake GitHub")
class FakeGitHubTest {
    private final FakeGitHub fake = FakeGitHub.start();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        fake.close();
    }

    private HttpResponse<String> send(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.baseUrl() + path)).header("User-Agent", "test")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", "Bearer " + auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String jwt(Instant iat, Instant exp, Object iss) {
        var builder = JWT.create().withIssuedAt(Date.from(iat)).withExpiresAt(Date.from(exp));
        builder = iss instanceof Long l ? builder.withClaim("iss", l) : builder.withIssuer(String.valueOf(iss));
        return builder.sign(Algorithm.RSA256(fake.app().publicKey(), fake.app().privateKey()));
    }

    @Test
    @DisplayName("issues installation tokens for a good App JWT (iss as number or client id) and refuses bad ones")
    void jwtRules() throws Exception {
        long inst = fake.install("acme", "acme/shop").id();
        Instant now = Instant.now();
        String path = "/app/installations/" + inst + "/access_tokens";

        assertThat(send("POST", path, jwt(now.minusSeconds(60), now.plusSeconds(540), fake.app().id()), null).statusCode()).isEqualTo(201);
        assertThat(send("POST", path, jwt(now.minusSeconds(60), now.plusSeconds(540), fake.app().clientId()), "{}").statusCode()).isEqualTo(201);
        assertThat(send("POST", path, jwt(now, now.plusSeconds(900), fake.app().id()), null).statusCode()).as("exp too far").isEqualTo(401);
        assertThat(send("POST", path, jwt(now.minusSeconds(700), now.minusSeconds(100), fake.app().id()), null).statusCode()).as("expired").isEqualTo(401);
        assertThat(send("POST", path, jwt(now, now.plusSeconds(300), 12345L), null).statusCode()).as("another app").isEqualTo(401);
        String foreign = JWT.create().withIssuer(String.valueOf(fake.app().id())).withIssuedAt(Date.from(now)).withExpiresAt(Date.from(now.plusSeconds(300)))
                .sign(Algorithm.RSA256(new FakeGitHubApp(1, "c", "s").publicKey(), new FakeGitHubApp(1, "c", "s").privateKey()));
        assertThat(send("POST", path, foreign, null).statusCode()).as("signed by another key").isEqualTo(401);
        assertThat(fake.violations()).isEmpty();
    }

    @Test
    @DisplayName("answers a body that breaks the spec with 422 and records it")
    void specViolation() throws Exception {
        String token = fake.addToken("ci", "acme/shop");

        HttpResponse<String> r = send("PUT", "/repos/acme/shop/actions/secrets/X", token, "{\"encrypted_value\":\"***\"}");

        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(fake.violations()).isNotEmpty().allSatisfy(v -> assertThat(v).contains("actions/create-or-update-repo-secret"));
    }

    @Test
    @DisplayName("records an endpoint that is not in the spec")
    void unknownEndpoint() throws Exception {
        String token = fake.addToken("ci", "acme/shop");

        assertThat(send("GET", "/repos/acme/shop/actions/variables", token, null).statusCode()).isEqualTo(404);
        assertThat(fake.violations()).singleElement().satisfies(v -> assertThat(v).contains("/repos/acme/shop/actions/variables"));
    }

    @Test
    @DisplayName("refuses a request without User-Agent, as GitHub does")
    void userAgent() throws Exception {
        // The JDK client always adds a User-Agent of its own, so a blank one stands in for none.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/user")).header("User-Agent", " ").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    @DisplayName("hides a repository from a token that cannot see it (404), and refuses a JWT on repository endpoints (401)")
    void visibility() throws Exception {
        fake.addRepository("acme/private");
        String token = fake.addToken("ci", "acme/shop");
        Instant now = Instant.now();

        assertThat(send("GET", "/repos/acme/private/actions/secrets/public-key", token, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/repos/acme/shop/actions/secrets/public-key", token, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/repos/acme/shop/actions/secrets/public-key", jwt(now.minusSeconds(60), now.plusSeconds(500), fake.app().id()), null)
                .statusCode()).isEqualTo(401);
        assertThat(send("GET", "/repos/acme/shop/actions/secrets/public-key", null, null).statusCode()).isEqualTo(401);
    }
}
