package dev.ephemera.adapters.kubernetes.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.state.Limits;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the stores leave in the API server, read back with a plain client: the shape docs/kubernetes.md describes. */
@DisplayName("The Kubernetes stores' objects")
class KubernetesObjectsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private KubernetesCrudMock mock;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private KubernetesClusterRepository repo;

    @BeforeEach
    void start() {
        mock = KubernetesCrudMock.http();
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        repo = new KubernetesClusterRepository(new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build(),
                "ci", "lab", true, clock);
    }

    @AfterEach
    void stop() {
        repo.close();
        mock.close();
    }

    private static Cluster claim(String id) {
        return Cluster.requested(ClusterId.of(id), Optional.empty(), "kind", ClusterSpec.defaults(), T0, Duration.ofDays(1));
    }

    @Test
    @DisplayName("a record is one labelled ConfigMap without credentials; its credentials are a Secret owned by it")
    void recordAndSecret() {
        repo.insert(claim("pr-1"));
        repo.putCredential(ClusterId.of("pr-1"), "pki/ca.key", Secret.of("-----BEGIN EC PRIVATE KEY----- very secret"));

        ConfigMap cm = mock.client().configMaps().inNamespace("ci").withName("lab-cluster-pr-1").get();
        assertThat(cm.getMetadata().getLabels()).containsEntry("ephemera.dev/installation", "lab").containsEntry("ephemera.dev/kind", "cluster")
                .containsEntry("ephemera.dev/cluster", "pr-1").containsEntry("ephemera.dev/live", "true");
        assertThat(cm.getData()).containsOnlyKeys("cluster.json", "version").containsEntry("version", "1");
        assertThat(cm.getData().toString()).doesNotContain("very secret").doesNotContain("PRIVATE KEY");

        io.fabric8.kubernetes.api.model.Secret s = mock.client().secrets().inNamespace("ci").withName("lab-cluster-pr-1").get();
        assertThat(s.getMetadata().getLabels()).containsEntry("ephemera.dev/kind", "credentials");
        assertThat(s.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("ConfigMap");
            assertThat(o.getName()).isEqualTo("lab-cluster-pr-1");
            assertThat(o.getUid()).isEqualTo(cm.getMetadata().getUid());
        });
        assertThat(new String(Base64.getDecoder().decode(s.getData().get("pki_2Fca.key")))).contains("very secret");
    }

    @Test
    @DisplayName("credential names become Secret keys reversibly, and names that differ stay apart")
    void credentialKeys() {
        assertThat(KubernetesClusterRepository.secretKey("ci/token")).isEqualTo("ci_2Ftoken");
        assertThat(KubernetesClusterRepository.secretKey("ci_2Ftoken")).isEqualTo("ci_5F2Ftoken");
        assertThat(KubernetesClusterRepository.secretKey("kubeconfig")).isEqualTo("kubeconfig");
        ClusterId id = repo.insert(claim("pr-2")).id();
        repo.putCredential(id, "ci/token", Secret.of("a"));
        repo.putCredential(id, "ci_2Ftoken", Secret.of("b"));
        assertThat(repo.credential(id, "ci/token")).contains(Secret.of("a"));
        assertThat(repo.credential(id, "ci_2Ftoken")).contains(Secret.of("b"));
    }

    @Test
    @DisplayName("step leases are annotations on the record; the record's data and version stay as they were")
    void stepLeaseAnnotations() {
        repo.insert(claim("pr-3"));
        assertThat(repo.acquireStepLease(ClusterId.of("pr-3"), "server-a", T0, Duration.ofSeconds(30))).isTrue();

        ConfigMap cm = mock.client().configMaps().inNamespace("ci").withName("lab-cluster-pr-3").get();
        assertThat(cm.getMetadata().getAnnotations()).containsEntry("ephemera.dev/step-holder", "server-a")
                .containsEntry("ephemera.dev/step-until", T0.plusSeconds(30).toString());
        assertThat(cm.getData()).containsEntry("version", "1");
    }

    @Test
    @DisplayName("a slot whose claim died before storing its record counts until the grace runs out, then is dropped")
    void orphanedSlotIsDroppedAfterTheGrace() {
        // What a claim that crashed between its two steps leaves: a slot in the index and no record.
        mock.client().configMaps().inNamespace("ci").resource(new ConfigMapBuilder().withNewMetadata().withName("lab-live-clusters")
                .withNamespace("ci").addToLabels("ephemera.dev/installation", "lab").addToLabels("ephemera.dev/kind", "index").endMetadata()
                .addToData("crashed", "kind " + T0).build()).create();
        Limits one = new Limits(1, 1);

        assertThat(repo.countLive(Optional.empty())).isEqualTo(1);
        EphemeraException full = org.assertj.core.api.Assertions.catchThrowableOfType(() -> repo.insertWithin(claim("pr-4"), one),
                EphemeraException.class);
        assertThat(full.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);

        now.set(T0.plus(KubernetesClusterRepository.ORPHAN_GRACE).plusSeconds(1));
        assertThat(repo.countLive(Optional.empty())).isZero();
        assertThat(repo.insertWithin(claim("pr-4"), one).version()).isEqualTo(1);
        assertThat(mock.client().configMaps().inNamespace("ci").withName("lab-live-clusters").get().getData()).containsOnlyKeys("pr-4");
    }

    @Test
    @DisplayName("a live record missing from the index (its writer died after storing it) still counts against the cap")
    void liveRecordMissingFromTheIndexCounts() {
        repo.insert(claim("pr-5"));
        // Lose the index entirely: the records alone must keep the cap.
        mock.client().configMaps().inNamespace("ci").withName("lab-live-clusters").delete();

        assertThat(repo.countLive(Optional.empty())).isEqualTo(1);
        EphemeraException full = org.assertj.core.api.Assertions.catchThrowableOfType(() -> repo.insertWithin(claim("pr-6"), new Limits(1, 1)),
                EphemeraException.class);
        assertThat(full.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
    }

    @Test
    @DisplayName("a record that is not Ephemera's is a BACKEND error naming the object, not a crash")
    void foreignObject() {
        mock.client().configMaps().inNamespace("ci").resource(new ConfigMapBuilder().withNewMetadata().withName("lab-cluster-pr-7")
                .withNamespace("ci").addToLabels("ephemera.dev/installation", "lab").addToLabels("ephemera.dev/kind", "cluster").endMetadata()
                .addToData("cluster.json", "{}").addToData("version", "1").build()).create();

        EphemeraException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> repo.find(ClusterId.of("pr-7")), EphemeraException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND);
        assertThat(e.getMessage()).contains("ci/lab-cluster-pr-7");
    }
}
