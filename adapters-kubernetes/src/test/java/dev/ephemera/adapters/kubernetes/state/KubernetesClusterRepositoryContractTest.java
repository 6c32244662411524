package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.contract.ClusterRepositoryContract;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;

/** The cluster repository contract against fabric8's mock API server in CRUD mode; the second instance has a client of its own. */
class KubernetesClusterRepositoryContractTest extends ClusterRepositoryContract {
    private KubernetesCrudMock mock;

    @Override
    protected ClusterRepository newRepository() {
        mock = KubernetesCrudMock.http();
        return open();
    }

    @Override
    protected ClusterRepository newRepositorySharingStateWith(ClusterRepository first) {
        return open();
    }

    private ClusterRepository open() {
        return new KubernetesClusterRepository(new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build(),
                "ephemera", "ephemera", true, Clock.systemUTC());
    }

    @AfterEach
    void stopMock() {
        if (mock != null) {
            mock.close();
        }
    }
}
