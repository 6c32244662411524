package dev.ephemera.junit5.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.junit5.EphemeralCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example: a test class with a cluster of its own on the local Docker engine, declared on the
 * class, used through an injected fabric8 client (a field), a kubeconfig file and the API handle
 * (parameters). It runs at the same time as {@link ShipToOwnClusterTest}, which gets another cluster.
 */
@ExtendWith(DockerStandIn.class)
@EphemeralCluster(backend = "docker", ttl = "1h")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("Example: a class with its own cluster (declared on the class)")
class DeployToOwnClusterTest {
    @EphemeralCluster
    KubernetesClient client;

    @Test
    @Order(1)
    @DisplayName("the injected client creates and reads a ConfigMap, and the API server knows it as the CI service account")
    void theInjectedClientWorks(@EphemeralCluster Path kubeconfig, dev.ephemera.api.EphemeralCluster cluster) throws Exception {
        ExampleRun.record(cluster.id(), getClass());
        assertThat(cluster.backend()).isEqualTo("docker");

        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("hello").endMetadata()
                .addToData("from", getClass().getSimpleName()).build()).create();
        assertThat(client.configMaps().inNamespace("default").withName("hello").get().getData()).containsEntry("from", getClass().getSimpleName());

        String review = client.raw(URI.create(client.getMasterUrl().toString()).resolve("/apis/authentication.k8s.io/v1/selfsubjectreviews").toString(),
                "POST", Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "SelfSubjectReview"));
        assertThat(review).contains("system:serviceaccount:ephemera-ci:ephemera-ci");

        assertThat(Files.readString(kubeconfig)).isEqualTo(cluster.kubeconfig());
        assertThat(ExampleRun.containers(cluster.id())).hasSize(1);
    }

    @Test
    @Order(2)
    @DisplayName("runs at the same time as the other example class, each with its own cluster")
    void parallelClassesHaveTheirOwnClusters(dev.ephemera.api.EphemeralCluster cluster) {
        Rendezvous.meet(cluster.id());
    }
}
