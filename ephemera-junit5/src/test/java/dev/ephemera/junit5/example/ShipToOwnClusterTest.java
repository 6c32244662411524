package dev.ephemera.junit5.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.junit5.EphemeralCluster;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example again, declared on static fields instead of the class: the fabric8 client and the
 * kubeconfig file are filled before the first test. Runs beside {@link DeployToOwnClusterTest}.
 */
@ExtendWith(DockerStandIn.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("Example: a class with its own cluster (declared on static fields)")
class ShipToOwnClusterTest {
    @EphemeralCluster(backend = "docker", ttl = "30m")
    static KubernetesClient client;

    @EphemeralCluster
    static Path kubeconfig;

    @Test
    @Order(1)
    @DisplayName("the injected client creates a namespace and finds the CI service account Ephemera made")
    void theInjectedClientWorks(dev.ephemera.api.EphemeralCluster cluster) throws Exception {
        ExampleRun.record(cluster.id(), getClass());
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
        assertThat(client.namespaces().list().getItems()).extracting(Namespace::getMetadata).extracting(m -> m.getName()).contains("shop");
        assertThat(client.serviceAccounts().inNamespace("ephemera-ci").withName("ephemera-ci").get()).isNotNull();
        assertThat(Files.readString(kubeconfig)).isEqualTo(cluster.kubeconfig()).contains(cluster.apiUrl().toString());
    }

    @Test
    @Order(2)
    @DisplayName("runs at the same time as the other example class, each with its own cluster")
    void parallelClassesHaveTheirOwnClusters(dev.ephemera.api.EphemeralCluster cluster) {
        Rendezvous.meet(cluster.id());
    }
}
