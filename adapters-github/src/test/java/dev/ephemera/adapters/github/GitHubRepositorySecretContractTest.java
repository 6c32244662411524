package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.contract.SecretSinkContract;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

/** The secret sink contract for GitHub repository secrets, read back by the fake opening each sealed box. */
@DisplayName("GitHub repository secrets")
class GitHubRepositorySecretContractTest extends SecretSinkContract {
    private FakeGitHub fake;

    @Override
    protected SecretSink newSink() {
        fake = FakeGitHub.start();
        fake.install("acme", "acme/shop");
        Settings s = TestGitHub.appSettings(fake, Map.of());
        return new GitHubSecretSinkFactory().create(s);
    }

    @Override
    protected Optional<Secret> readBack(SecretAddress address) {
        try {
            return fake.repository(address.scope()).secret(address.name()).map(Secret::ofBytes);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @AfterEach
    void noSpecViolations() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }
}
