package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHostFactory;
import dev.ephemera.ports.codehost.CodeHostWebhooksFactory;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.github.FakeGitHubApp;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The github factories")
class GitHubFactoriesTest {
    private static final FakeGitHubApp APP = new FakeGitHubApp(99, "Iv23li", "x");

    private static <F extends AdapterFactory<?>> F discovered(Class<F> type) {
        return ServiceLoader.load(type).stream().map(ServiceLoader.Provider::get).filter(f -> f.name().equals("github")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named github on the class path"));
    }

    @Test
    @DisplayName("are discoverable through ServiceLoader, all named github, reading the same settings")
    void discoverable() {
        List<AdapterFactory<?>> all = List.of(discovered(SecretSinkFactory.class), discovered(CodeHostFactory.class),
                discovered(CodeHostWebhooksFactory.class));

        assertThat(all).extracting(AdapterFactory::name).containsOnly("github");
        assertThat(all).allSatisfy(f -> assertThat(f.settings()).isEqualTo(GitHubSettings.SPECS));
        assertThat(GitHubSettings.SPECS).extracting(s -> s.key()).contains("api-url", "app-id", "client-id", "private-key",
                "installation-id", "token", "webhook-secret", "bot-login", "create-environments", "retry-attempts", "retry-max-wait");
    }

    private static void configurationError(Settings s, Consumer<String> message) {
        assertThatThrownBy(() -> new GitHubSecretSinkFactory().create(s)).isInstanceOfSatisfying(EphemeraException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
            message.accept(e.getMessage());
        });
    }

    @Test
    @DisplayName("fail fast on bad settings, saying what to do")
    void failFast() {
        configurationError(new Settings("github", Map.of()), m -> assertThat(m).contains("app-id").contains("token"));
        configurationError(new Settings("github", Map.of("app-id", "1")), m -> assertThat(m).contains("private-key is missing"));
        configurationError(new Settings("github", Map.of("app-id", "1", "private-key", APP.privateKeyPkcs1Pem(), "token", "t")),
                m -> assertThat(m).contains("both"));
        configurationError(new Settings("github", Map.of("token", "t", "api-url", "http://github.example.com")),
                m -> assertThat(m).contains("https"));
        configurationError(new Settings("github", Map.of("token", "t", "colour", "blue")), m -> assertThat(m).contains("colour").contains("known settings"));
        configurationError(new Settings("github", Map.of("app-id", "my-app", "private-key", APP.privateKeyPkcs1Pem())),
                m -> assertThat(m).contains("numeric"));
        configurationError(new Settings("github", Map.of("app-id", "1", "private-key", "-----BEGIN NOTHING-----")),
                m -> assertThat(m).contains("private-key"));
    }

    @Test
    @DisplayName("the webhook verifier needs only a long enough webhook secret")
    void webhookSecret() {
        GitHubWebhooksFactory f = new GitHubWebhooksFactory();
        assertThatThrownBy(() -> f.create(new Settings("github", Map.of()))).hasMessageContaining("webhook-secret");
        assertThatThrownBy(() -> f.create(new Settings("github", Map.of("webhook-secret", "short")))).hasMessageContaining("shorter");
        assertThat(f.create(new Settings("github", Map.of("webhook-secret", "0123456789abcdef0123"))).health().up()).isTrue();
    }

    @Test
    @DisplayName("never show a secret setting in toString")
    void redacted() {
        GitHubSettings s = GitHubSettings.from(new Settings("github", Map.of("token", "ghp_supersecret", "webhook-secret", "hush-hush-hush-hush")));
        assertThat(s.toString()).doesNotContain("ghp_supersecret").doesNotContain("hush");
    }
}
