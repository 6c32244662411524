package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.testkit.contract.SecretSinkContract;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The Vault secret sink (against the fake Vault)")
class VaultSecretSinkContractTest extends SecretSinkContract {
    private FakeVault vault;
    private VaultSettings settings;

    @Override
    protected SecretSink newSink() {
        vault = FakeVault.start();
        settings = TestVaults.vaultSettings(TestVaults.section(vault));
        return new VaultSecretSink(TestVaults.client(vault));
    }

    /** Read straight from the fake's storage, not through the sink. */
    @Override
    protected Optional<Secret> readBack(SecretAddress address) {
        String path;
        try {
            path = settings.secretPathFor(address.scope());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return vault.read("secret", path).map(d -> d.get(address.name())).filter(JsonNode::isTextual).map(n -> Secret.of(n.asText()));
    }

    @AfterEach
    void everyRequestFollowedTheSpec() {
        try {
            assertThat(vault.specViolations()).isEmpty();
        } finally {
            vault.close();
        }
    }
}
