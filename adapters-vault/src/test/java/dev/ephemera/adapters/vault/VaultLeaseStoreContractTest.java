package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.testkit.contract.LeaseStoreContract;
import dev.ephemera.testkit.fake.vault.FakeVault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The Vault lease store (against the fake Vault)")
class VaultLeaseStoreContractTest extends LeaseStoreContract {
    private FakeVault vault;

    @Override
    protected LeaseStore newStore() {
        vault = FakeVault.start();
        return TestVaults.store(vault);
    }

    /** Another process: its own client, login and connection pool, same Vault. */
    @Override
    protected LeaseStore newStoreSharingStateWith(LeaseStore first) {
        return TestVaults.store(vault);
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
