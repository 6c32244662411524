package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.testkit.contract.SecretSinkContract;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

/** The secret sink contract for GitHub environment secrets (environment {@code pr-42}, created on first put). */
@DisplayName("GitHub environment secrets")
class GitHubEnvironmentSecretContractTest extends SecretSinkContract {
    private FakeGitHub fake;

    @Override
    protected SecretSink newSink() {
        fake = FakeGitHub.start();
        fake.install("acme", "acme/shop");
        return new GitHubSecretSinkFactory().create(TestGitHub.appSettings(fake, Map.of("create-environments", "true")));
    }

    @Override
    protected SecretAddress address(String name) {
        return new SecretAddress("acme/shop", Optional.of("pr-42"), name);
    }

    @Override
    protected Optional<Secret> readBack(SecretAddress address) {
        return fake.repository(address.scope()).environmentSecret(address.environment().orElseThrow(), address.name()).map(Secret::ofBytes);
    }

    @AfterEach
    void noSpecViolations() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }
}
