package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.spi.Health;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Health checks make one cheap authenticated call, so a revoked credential shows as down. */
@DisplayName("GitHub health checks")
class GitHubHealthTest {
    private final TestGitHub.MovableClock clock = new TestGitHub.MovableClock(Instant.now());
    private final TestGitHub.RecordingSleeper sleeper = new TestGitHub.RecordingSleeper(clock);
    private FakeGitHub fake;

    @BeforeEach
    void start() {
        fake = FakeGitHub.start(clock);
        fake.install("acme", "acme/shop");
    }

    @AfterEach
    void stop() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }

    private long calls(String method, String path) {
        return fake.requests().stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    @Test
    @DisplayName("as an App: GET /app with the JWT, once per check")
    void app() {
        GitHubSecretSink sink = new GitHubSecretSink(TestGitHub.client(TestGitHub.appSettings(fake, Map.of()), clock, sleeper));
        GitHubCodeHost host = new GitHubCodeHost(TestGitHub.client(TestGitHub.appSettings(fake, Map.of()), clock, sleeper));
        Health h = sink.health();
        assertThat(h.up()).as(h.detail()).isTrue();
        assertThat(h.detail()).contains("GET /app");
        assertThat(calls("GET", "/app")).isEqualTo(1);
        assertThat(host.health().up()).isTrue();
        assertThat(calls("GET", "/app")).isEqualTo(2);
    }

    @Test
    @DisplayName("with a token: GET /rate_limit; a token GitHub refuses is down, naming the 401")
    void token() {
        String token = fake.addToken("ci-user", "acme/shop");
        GitHubSecretSink sink = new GitHubSecretSink(TestGitHub.client(TestGitHub.tokenSettings(fake, token, Map.of()), clock, sleeper));
        Health h = sink.health();
        assertThat(h.up()).as(h.detail()).isTrue();
        assertThat(h.detail()).contains("GET /rate_limit");
        assertThat(calls("GET", "/rate_limit")).isEqualTo(1);

        GitHubSecretSink revoked = new GitHubSecretSink(TestGitHub.client(TestGitHub.tokenSettings(fake, "ghp_not_a_token_github_knows", Map.of()),
                clock, sleeper));
        Health down = revoked.health();
        assertThat(down.up()).isFalse();
        assertThat(down.detail()).contains("401", "GET /rate_limit");
        assertThat(calls("GET", "/rate_limit")).isEqualTo(2);
        assertThat(sleeper.waits).isEmpty();
    }
}
