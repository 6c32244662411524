package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.github.Fault;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("The GitHub secret sink")
class GitHubSecretSinkTest {
    private static final String KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: abc.def\n";

    private final TestGitHub.MovableClock clock = new TestGitHub.MovableClock(Instant.now());
    private final TestGitHub.RecordingSleeper sleeper = new TestGitHub.RecordingSleeper(clock);
    private FakeGitHub fake;
    private FakeGitHub.Installation installation;

    @BeforeEach
    void start() {
        fake = FakeGitHub.start(clock);
        installation = fake.install("acme", "acme/shop", "acme/other");
    }

    @AfterEach
    void stop() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }

    private GitHubSecretSink sink(Map<String, Object> extra) {
        return new GitHubSecretSink(TestGitHub.client(TestGitHub.appSettings(fake, extra), clock, sleeper));
    }

    private GitHubSecretSink sink() {
        return sink(Map.of());
    }

    private static SecretAddress repoSecret(String name) {
        return SecretAddress.of("acme/shop", name);
    }

    @Nested
    @DisplayName("writing")
    class Writing {
        @Test
        @DisplayName("seals the value so GitHub opens exactly what was given")
        void roundTrip() {
            sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of(KUBECONFIG));

            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG"))
                    .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(KUBECONFIG));
        }

        @Test
        @DisplayName("fetches the public key right before each write, so a rotated key is picked up")
        void keyFetchedBeforeEachWrite() {
            GitHubSecretSink sink = sink();
            sink.put(repoSecret("E2E_KUBECONFIG"), Secret.of("first"));
            fake.repository("acme/shop").rotateSecretsKey();

            sink.put(repoSecret("E2E_KUBECONFIG"), Secret.of("second"));

            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("second"));
            assertThat(fake.count("actions/get-repo-public-key")).isEqualTo(2);
        }

        @Test
        @DisplayName("creates a missing environment, then writes the environment secret")
        void createsEnvironment() {
            sink().put(new SecretAddress("acme/shop", Optional.of("pr-42"), "E2E_KUBECONFIG"), Secret.of(KUBECONFIG));

            assertThat(fake.repository("acme/shop").environments()).containsExactly("pr-42");
            assertThat(fake.repository("acme/shop").environmentSecret("pr-42", "E2E_KUBECONFIG")).isPresent();
            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).isEmpty();
        }

        @Test
        @DisplayName("leaves an existing environment alone (no PUT that could reset its protection rules)")
        void existingEnvironmentUntouched() {
            fake.repository("acme/shop").addEnvironment("staging");

            sink().put(new SecretAddress("acme/shop", Optional.of("staging"), "E2E_KUBECONFIG"), Secret.of("x"));

            assertThat(fake.count("repos/create-or-update-environment")).isZero();
        }

        @Test
        @DisplayName("with create-environments false, refuses a missing environment with NOT_FOUND and creates nothing")
        void doesNotCreateWhenTold() {
            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink(Map.of("create-environments", "false"))
                    .put(new SecretAddress("acme/shop", Optional.of("pr-7"), "E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(e.getMessage()).contains("pr-7").contains("create-environments");
            assertThat(fake.repository("acme/shop").environments()).isEmpty();
        }

        @Test
        @DisplayName("checks the 48 KB limit and the name before any call")
        void checksBeforeCalling() {
            GitHubSecretSink sink = sink();
            byte[] big = new byte[48 * 1024 + 1];
            java.util.Arrays.fill(big, (byte) 'a');

            assertThatThrownBy(() -> sink.put(repoSecret("E2E_KUBECONFIG"), Secret.ofBytes(big)))
                    .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID))
                    .hasMessageContaining("48 KB");
            for (String bad : new String[] {"GITHUB_TOKEN", "github_x", "1ST", "WITH-DASH", "WITH SPACE", "../X", ""}) {
                assertThatThrownBy(() -> sink.put(repoSecret(bad.isEmpty() ? "x y" : bad), Secret.of("v")))
                        .as(bad).isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID));
            }
            assertThatThrownBy(() -> sink.put(SecretAddress.of("not-a-repo", "OK_NAME"), Secret.of("v")))
                    .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID));

            assertThat(fake.requests()).isEmpty();
        }

        @Test
        @DisplayName("accepts exactly 48 KB")
        void exactLimit() {
            byte[] max = new byte[48 * 1024];
            java.util.Arrays.fill(max, (byte) 'k');

            sink().put(repoSecret("BIG"), Secret.ofBytes(max));

            assertThat(fake.repository("acme/shop").secret("BIG")).hasValueSatisfying(v -> assertThat(v).hasSize(48 * 1024));
        }

        @Test
        @DisplayName("URL-encodes an environment name with a slash")
        void encodesEnvironment() {
            sink().put(new SecretAddress("acme/shop", Optional.of("release/prod"), "E2E_KUBECONFIG"), Secret.of("x"));

            assertThat(fake.repository("acme/shop").environmentSecret("release/prod", "E2E_KUBECONFIG")).isPresent();
            assertThat(fake.requests()).anySatisfy(r -> assertThat(r.path()).contains("/environments/release%2Fprod/"));
        }
    }

    @Nested
    @DisplayName("deleting")
    class Deleting {
        @Test
        @DisplayName("removes an environment secret, and a missing one is fine")
        void environmentSecret() {
            SecretAddress a = new SecretAddress("acme/shop", Optional.of("pr-42"), "E2E_KUBECONFIG");
            GitHubSecretSink sink = sink();
            sink.put(a, Secret.of("x"));

            sink.delete(a);
            sink.delete(a);

            assertThat(fake.repository("acme/shop").environmentSecret("pr-42", "E2E_KUBECONFIG")).isEmpty();
        }
    }

    @Nested
    @DisplayName("as a GitHub App")
    class AsAnApp {
        @Test
        @DisplayName("looks the installation up once per repository and reuses its token until shortly before it expires")
        void cachesAndRefreshesTokens() {
            GitHubSecretSink sink = sink();
            sink.put(repoSecret("A"), Secret.of("1"));
            sink.put(repoSecret("B"), Secret.of("2"));
            sink.put(SecretAddress.of("acme/other", "C"), Secret.of("3"));

            assertThat(fake.count("apps/get-repo-installation")).isEqualTo(2);
            assertThat(fake.count("apps/create-installation-access-token")).isEqualTo(1);

            clock.advance(Duration.ofMinutes(56)); // installation tokens live an hour; renew five minutes early
            sink.put(repoSecret("D"), Secret.of("4"));

            assertThat(fake.count("apps/create-installation-access-token")).isEqualTo(2);
        }

        @Test
        @DisplayName("with installation-id set, skips the per-repository lookup")
        void configuredInstallation() {
            sink(Map.of("installation-id", String.valueOf(installation.id()))).put(repoSecret("A"), Secret.of("1"));

            assertThat(fake.count("apps/get-repo-installation")).isZero();
            assertThat(fake.repository("acme/shop").secret("A")).isPresent();
        }

        @Test
        @DisplayName("says so when the App is not installed on the repository")
        void notInstalled() {
            fake.addRepository("acme/elsewhere");

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink().put(SecretAddress.of("acme/elsewhere", "A"), Secret.of("1")));

            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(e.getMessage()).contains("not installed on acme/elsewhere").contains(String.valueOf(fake.app().id()));
        }

        @Test
        @DisplayName("works with the client id as JWT issuer and a PKCS#8 key")
        void clientIdAndPkcs8() {
            Settings s = new Settings("github", Map.of("api-url", fake.baseUrl(), "client-id", fake.app().clientId(),
                    "private-key", fake.app().privateKeyPkcs8Pem()));
            new GitHubSecretSinkFactory().create(s).put(repoSecret("A"), Secret.of("1"));

            assertThat(fake.repository("acme/shop").secret("A")).isPresent();
        }
    }

    @Nested
    @DisplayName("when GitHub pushes back")
    class PushBack {
        @Test
        @DisplayName("retries a secondary rate limit 403 after its Retry-After (1 s) and succeeds")
        void secondaryRetryAfter() {
            fake.inject("PUT", ".*/actions/secrets/E2E_KUBECONFIG", Fault.secondaryRateLimit(1), 1);

            sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of(KUBECONFIG));

            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).isPresent();
            assertThat(sleeper.waits).hasSize(1);
            assertThat(sleeper.waits.get(0)).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1100));
        }

        @Test
        @DisplayName("waits at least a minute, then twice that, when a secondary limit names no wait")
        void secondaryWithoutRetryAfter() {
            fake.inject("GET", ".*/public-key", Fault.secondaryRateLimitWithoutRetryAfter(), 2);

            sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of("x"));

            assertThat(sleeper.waits).hasSize(2);
            assertThat(sleeper.waits.get(0)).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(61));
            assertThat(sleeper.waits.get(1)).isBetween(Duration.ofSeconds(120), Duration.ofSeconds(121));
        }

        @Test
        @DisplayName("waits for the primary limit's reset when it is near")
        void primaryNearReset() {
            fake.inject("GET", ".*/public-key", Fault.primaryRateLimit(30), 1);

            sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of("x"));

            assertThat(sleeper.waits).hasSize(1);
            assertThat(sleeper.waits.get(0)).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(34));
        }

        @Test
        @DisplayName("fails at once with RATE_LIMITED when the reset is further away than retry-max-wait")
        void primaryFarReset() {
            fake.inject("GET", ".*/public-key", Fault.primaryRateLimit(3_600), 1);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink(Map.of("retry-max-wait", "5m"))
                    .put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(e.getMessage()).contains("primary").contains("retry-max-wait");
            assertThat(sleeper.waits).isEmpty();
            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).isEmpty();
        }

        @Test
        @DisplayName("names a sub-second retry-max-wait as written, not rounded to 0s")
        void subSecondMaxWaitIsPrintedAsWritten() {
            fake.inject("GET", ".*/public-key", Fault.primaryRateLimit(3_600), 1);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink(Map.of("retry-max-wait", "100ms"))
                    .put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.getMessage()).contains("retry-max-wait 100ms").doesNotContain(" 0s");
        }

        @Test
        @DisplayName("gives up with RATE_LIMITED after retry-attempts")
        void boundedAttempts() {
            fake.inject("GET", ".*/public-key", Fault.secondaryRateLimit(1), 10);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink(Map.of("retry-attempts", "3"))
                    .put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(sleeper.waits).hasSize(2);
        }

        @Test
        @DisplayName("fails a 401 at once, naming the app id and the installation")
        void unauthorizedFailsAtOnce() {
            fake.inject("GET", ".*/actions/secrets/public-key", Fault.unauthorized(), 5);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("GitHub App " + fake.app().id()).contains("installation " + installation.id());
            assertThat(fake.requests().stream().filter(r -> r.path().endsWith("/public-key")).count()).isEqualTo(1);
            assertThat(sleeper.waits).isEmpty();
        }

        @Test
        @DisplayName("fails at once when GitHub refuses the App's JWT, naming the app id and installation")
        void jwtRefused() {
            fake.inject("POST", "/app/installations/.*/access_tokens", Fault.unauthorized(), 1);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink(Map.of("installation-id", String.valueOf(installation.id())))
                    .put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains(String.valueOf(fake.app().id())).contains("installation " + installation.id());
            assertThat(fake.count("apps/create-installation-access-token")).isZero(); // the faulted call is not counted as the operation
            assertThat(sleeper.waits).isEmpty();
        }

        @Test
        @DisplayName("tells a permission 403 from a rate limit: PERMISSION_DENIED at once, naming the permission")
        void permission403() {
            installation.revoke("secrets");

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of("x")));

            assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(e.getMessage()).contains("Secrets (read and write)").contains("secrets=read");
            assertThat(sleeper.waits).isEmpty();
        }

        @Test
        @DisplayName("retries a 502 on an idempotent write with jittered backoff")
        void retriesServerErrors() {
            fake.inject("PUT", ".*/actions/secrets/.*", Fault.serverError(502), 2);

            sink().put(repoSecret("E2E_KUBECONFIG"), Secret.of("x"));

            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).isPresent();
            assertThat(sleeper.waits).hasSize(2);
            assertThat(sleeper.waits.get(0)).isBetween(Duration.ofMillis(250), Duration.ofMillis(750));
            assertThat(sleeper.waits.get(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
        }

        @Test
        @DisplayName("retries a secondary limit with a real one-second wait when built by the factory")
        void realWaitThroughTheFactory() {
            FakeGitHub real = FakeGitHub.start();
            try {
                real.install("acme", "acme/shop");
                real.inject("PUT", ".*/actions/secrets/E2E_KUBECONFIG", Fault.secondaryRateLimit(1), 1);

                new GitHubSecretSinkFactory().create(TestGitHub.appSettings(real, Map.of())).put(repoSecret("E2E_KUBECONFIG"), Secret.of("x"));

                assertThat(real.repository("acme/shop").secret("E2E_KUBECONFIG")).isPresent();
                assertThat(real.violations()).isEmpty();
            } finally {
                real.close();
            }
        }
    }

    @Nested
    @DisplayName("with a plain token")
    class PlainToken {
        @Test
        @DisplayName("writes secrets the token can reach, and gets 404 for others")
        void token() {
            String token = fake.addToken("ci-user", "acme/shop");
            GitHubSecretSink sink = new GitHubSecretSink(TestGitHub.client(TestGitHub.tokenSettings(fake, token, Map.of()), clock, sleeper));

            sink.put(repoSecret("E2E_KUBECONFIG"), Secret.of("x"));
            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> sink.put(SecretAddress.of("acme/other", "X"), Secret.of("y")));

            assertThat(fake.repository("acme/shop").secret("E2E_KUBECONFIG")).isPresent();
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(e.getMessage()).doesNotContain(token);
            assertThat(fake.count("apps/create-installation-access-token")).isZero();
        }
    }
}
