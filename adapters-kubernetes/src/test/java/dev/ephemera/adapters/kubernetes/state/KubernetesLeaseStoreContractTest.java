package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.testkit.contract.LeaseStoreContract;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;

/**
 * The lease store contract (16 racing allocators through testkit's CasAllocator among it) against fabric8's mock API
 * server in CRUD mode; the second instance has a client of its own.
 */
class KubernetesLeaseStoreContractTest extends LeaseStoreContract {
    private KubernetesCrudMock mock;

    @Override
    protected LeaseStore newStore() {
        mock = KubernetesCrudMock.http();
        return open();
    }

    @Override
    protected LeaseStore newStoreSharingStateWith(LeaseStore first) {
        return open();
    }

    private LeaseStore open() {
        return new KubernetesLeaseStore(new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build(),
                "ephemera", "ephemera", true);
    }

    @AfterEach
    void stopMock() {
        if (mock != null) {
            mock.close();
        }
    }
}
