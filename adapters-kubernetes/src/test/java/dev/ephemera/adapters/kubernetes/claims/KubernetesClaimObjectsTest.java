package dev.ephemera.adapters.kubernetes.claims;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.claims.ClaimCondition;
import dev.ephemera.ports.claims.ClaimObject;
import dev.ephemera.ports.claims.ClaimRef;
import dev.ephemera.ports.claims.ClaimStatus;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fabric8 side of claim objects against the mock API server in CRUD mode with the CRD from deploy/crds. */
@DisplayName("EphemeralCluster objects through fabric8")
class KubernetesClaimObjectsTest {
    private final KubernetesCrudMock mock = KubernetesCrudMock.http();
    private KubernetesClaimObjects objects;
    private final ClaimRef ref = new ClaimRef("ci", "pr-1");

    @BeforeEach
    void start() throws Exception {
        var crds = mock.client().apiextensions().v1().customResourceDefinitions();
        try (InputStream in = Files.newInputStream(EphemeraManifestsTest.repoDir().resolve("deploy/crds/ephemeralclusters.ephemera.dev.yaml"))) {
            CustomResourceDefinition crd = crds.load(in).item();
            crds.resource(crd).create();
        }
        objects = new KubernetesClaimObjects(new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build(), List.of("ci"), true);
        mock.client().genericKubernetesResources(KubernetesClaimObjects.CONTEXT).inNamespace("ci").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("ephemera.dev/v1alpha1").withKind("EphemeralCluster").withNewMetadata().withName("pr-1").withNamespace("ci").endMetadata()
                .addToAdditionalProperties("spec", Map.of("backend", "docker", "owner", Map.of("repository", "acme/shop", "pullRequest", 1),
                        "pushTo", List.of("file::kc"), "tearDownCluster", true)).build()).create();
    }

    @AfterEach
    void stop() {
        objects.close();
        mock.close();
    }

    private GenericKubernetesResource object() {
        return mock.client().genericKubernetesResources(KubernetesClaimObjects.CONTEXT).inNamespace("ci").withName("pr-1").get();
    }

    private static ClaimStatus status(String phase, boolean ready) {
        return new ClaimStatus(phase, Optional.of("pr-1-00000000"), List.of(ClaimCondition.of("ClusterReady", ready, ready ? "Ready" : "Provisioning", "m")),
                Optional.empty(), Optional.empty(), Optional.empty(), 1);
    }

    @Test
    @DisplayName("the watch delivers the object as written: spec text, finalizer, deletion")
    void watchDelivers() throws Exception {
        List<ClaimObject> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable w = objects.watch(seen::add)) {
            eventually("the existing object is delivered", () -> !seen.isEmpty());
            ClaimObject o = seen.get(0);
            assertThat(o.ref()).isEqualTo(ref);
            assertThat(o.spec().backend()).contains("docker");
            assertThat(o.spec().ownerPullRequest()).contains("1");
            assertThat(o.spec().pushTo()).containsExactly("file::kc");
            assertThat(o.spec().tearDownCluster()).contains("true");
            assertThat(o.hasFinalizer()).isFalse();
            objects.addFinalizer(ref);
            eventually("the finalizer is seen", () -> seen.get(seen.size() - 1).hasFinalizer());
            assertThat(objects.cached()).singleElement().satisfies(c -> assertThat(c.hasFinalizer()).isTrue());
            mock.client().genericKubernetesResources(KubernetesClaimObjects.CONTEXT).inNamespace("ci").withName("pr-1").delete();
            eventually("the deletion is seen, held by the finalizer", () -> seen.get(seen.size() - 1).deleting());
            objects.removeFinalizer(ref);
            eventually("the object goes once the finalizer is off", () -> object() == null);
        }
    }

    @Test
    @DisplayName("a status equal to the one there is not written again; a changed one keeps the unchanged conditions' transition times")
    void statusWrittenOnlyWhenChanged() {
        objects.updateStatus(ref, status("Provisioning", false));
        String version = object().getMetadata().getResourceVersion();
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) object().getAdditionalProperties().get("status");
        assertThat(st).containsEntry("phase", "Provisioning").containsEntry("clusterId", "pr-1-00000000");
        objects.updateStatus(ref, status("Provisioning", false));
        assertThat(object().getMetadata().getResourceVersion()).as("no write for an equal status").isEqualTo(version);

        objects.updateStatus(ref, status("Ready", true));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cs = (List<Map<String, Object>>) ((Map<String, Object>) object().getAdditionalProperties().get("status")).get("conditions");
        assertThat(cs).singleElement().satisfies(c -> assertThat(c).containsEntry("status", "True").containsKey("lastTransitionTime"));
        objects.updateStatus(new ClaimRef("ci", "gone"), status("Ready", true)); // no object: nothing to do, no error
    }

    @Test
    @DisplayName("the kubeconfig Secret is owned by the object, written once for the same content, and withdrawn")
    void kubeconfigSecret() {
        String uid = object().getMetadata().getUid();
        String name = objects.publishKubeconfig(ref, uid, Secret.of("apiVersion: v1\nkind: Config\n"));
        var secret = mock.client().secrets().inNamespace("ci").withName(name).get();
        assertThat(name).isEqualTo("pr-1-kubeconfig");
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get("kubeconfig")))).isEqualTo("apiVersion: v1\nkind: Config\n");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getUid()).isEqualTo(uid);
            assertThat(o.getKind()).isEqualTo("EphemeralCluster");
            assertThat(o.getController()).isTrue();
        });
        String version = secret.getMetadata().getResourceVersion();
        objects.publishKubeconfig(ref, uid, Secret.of("apiVersion: v1\nkind: Config\n"));
        assertThat(mock.client().secrets().inNamespace("ci").withName(name).get().getMetadata().getResourceVersion()).isEqualTo(version);
        objects.withdrawKubeconfig(ref);
        assertThat(mock.client().secrets().inNamespace("ci").withName(name).get()).isNull();
        objects.withdrawKubeconfig(ref);
    }
}
