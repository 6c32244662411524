package dev.ephemera.server;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.Clusters;
import dev.ephemera.application.claims.ClaimIds;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.ports.claims.ClaimRef;
import dev.ephemera.testkit.kubernetes.KubectlOnMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 002's flow with the real kubectl against fabric8's mock API server (CRUD mode, the CRD from
 * deploy/crds loaded), answered by real servers configured as deploy/ephemera configures them:
 * create → wait for Ready → read the Secret → tear down, deletion held by the finalizer, a refused
 * spec, and a leader killed mid-provisioning.
 */
@DisplayName("EphemeralCluster objects, answered by the server's controller (kubectl on fabric8's mock API server)")
class EphemeralClusterObjectsTest {
    private static final ResourceDefinitionContext EC = new ResourceDefinitionContext.Builder().withGroup("ephemera.dev")
            .withVersion("v1alpha1").withKind("EphemeralCluster").withPlural("ephemeralclusters").withNamespaced(true).build();
    private static final Duration LEASE = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private ClaimServers servers;

    @BeforeEach
    void kubectlIsThere() throws Exception {
        Assumptions.assumeTrue(KubectlOnMock.installed(), "kubectl is not installed (Debian package kubectl / kubernetes-client)");
        servers = new ClaimServers(dir, LEASE);
    }

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private KubectlOnMock.Result kubectl(String... args) throws Exception {
        return servers.kubectl.run(args);
    }

    private KubectlOnMock.Result ok(String... args) throws Exception {
        KubectlOnMock.Result r = kubectl(args);
        assertThat(r.exit()).as("kubectl %s: %s", String.join(" ", args), r.err()).isZero();
        return r;
    }

    private Path manifest(String name, String spec) throws Exception {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, """
                apiVersion: ephemera.dev/v1alpha1
                kind: EphemeralCluster
                metadata:
                  name: %s
                  namespace: ci
                spec:
                %s
                """.formatted(name, spec.indent(2).stripTrailing()));
        return f;
    }

    private Optional<GenericKubernetesResource> object(String name) {
        return Optional.ofNullable(servers.mock.client().genericKubernetesResources(EC).inNamespace("ci").withName(name).get());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource r) {
        Object s = r.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private String phase(String name) {
        return object(name).map(r -> String.valueOf(status(r).get("phase"))).orElse("(gone)");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> condition(String name, String type) {
        List<Map<String, Object>> cs = (List<Map<String, Object>>) status(object(name).orElseThrow()).getOrDefault("conditions", List.of());
        return cs.stream().filter(c -> type.equals(c.get("type"))).findFirst().orElseThrow(() -> new AssertionError("no condition " + type));
    }

    private static Optional<Cluster> cluster(ClaimServers.Server s, String name) {
        try {
            return Optional.of(s.ephemera().get(Clusters.class).get(ClaimIds.of(new ClaimRef("ci", name))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Test
    @DisplayName("kubectl apply → Ready with a kubeconfig Secret kubectl reads; kubectl patch tearDownCluster → Deprovisioned, cluster deleted")
    void seedFlow() throws Exception {
        ClaimServers.Server server = servers.start("a");
        eventually("the only server leads", server.server()::isLeader);

        ok("apply", "--validate=false", "-f", manifest("pr-42", """
                backend: held
                owner:
                  repository: acme/shop
                  pullRequest: 42
                ttl: 4h
                """).toString());
        // Seed 002's wait, as its pipeline runs it.
        ok("wait", "-n", "ci", "--for=jsonpath={.status.phase}=Ready", "ec/pr-42", "--timeout=120s");
        assertThat(phase("pr-42")).isEqualTo("Ready");
        assertThat(condition("pr-42", "ClusterReady")).containsEntry("status", "True").containsEntry("reason", "Ready");
        assertThat(condition("pr-42", "KubeconfigPublished")).containsEntry("status", "True");
        Map<String, Object> st = status(object("pr-42").orElseThrow());
        assertThat(st.get("secretRef")).isEqualTo(Map.of("name", "pr-42-kubeconfig", "key", "kubeconfig"));
        assertThat(String.valueOf(st.get("endpoint"))).startsWith("https://");
        assertThat(st.get("expiresAt")).isNotNull();
        assertThat(st.get("clusterId")).isEqualTo(ClaimIds.of(new ClaimRef("ci", "pr-42")).value());
        assertThat(object("pr-42").orElseThrow().getMetadata().getFinalizers()).contains("ephemera.dev/cluster");

        // Seed 002 reads the Secret and hands the kubeconfig to its tests: kubectl must take it.
        String data = ok("get", "-n", "ci", "secret", "pr-42-kubeconfig", "-o", "jsonpath={.data.kubeconfig}").out();
        Path kc = dir.resolve("pr-42.kubeconfig");
        Files.write(kc, Base64.getDecoder().decode(data.strip()));
        KubectlOnMock.Result view = ok("--kubeconfig", kc.toString(), "config", "view", "-o", "jsonpath={.clusters[0].cluster.server}");
        assertThat(view.out()).startsWith("https://");
        var secret = servers.mock.client().secrets().inNamespace("ci").withName("pr-42-kubeconfig").get();
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("EphemeralCluster");
            assertThat(o.getUid()).isEqualTo(object("pr-42").orElseThrow().getMetadata().getUid());
        });
        assertThat(HeldBackendFactory.BACKEND.creates()).isEqualTo(1);

        ok("patch", "-n", "ci", "ec", "pr-42", "--type=merge", "-p", "{\"spec\":{\"tearDownCluster\":true}}");
        eventually("the object is Deprovisioned", () -> "Deprovisioned".equals(phase("pr-42")), () -> phase("pr-42"));
        assertThat(cluster(server, "pr-42")).map(Cluster::phase).contains(Phase.DELETED);
        assertThat(HeldBackendFactory.BACKEND.servers()).isZero();
        eventually("the kubeconfig Secret is withdrawn",
                () -> servers.mock.client().secrets().inNamespace("ci").withName("pr-42-kubeconfig").get() == null);
        assertThat(condition("pr-42", "ClusterReady")).containsEntry("status", "False");

        // The object stays until someone deletes it; then nothing holds it.
        ok("delete", "-n", "ci", "ec", "pr-42", "--wait=false");
        eventually("the object is gone", () -> object("pr-42").isEmpty(), () -> phase("pr-42"));
        assertThat(HeldBackendFactory.BACKEND.creates()).isEqualTo(1);
    }

    @Test
    @DisplayName("kubectl delete ec: the finalizer holds the object until the backend has deleted the cluster")
    void finalizerHoldsUntilTheBackendIsClean() throws Exception {
        ClaimServers.Server server = servers.start("a");
        eventually("the only server leads", server.server()::isLeader);
        ok("apply", "--validate=false", "-f", manifest("pr-7", "backend: held\nttl: 1h").toString());
        eventually("the object is Ready", () -> "Ready".equals(phase("pr-7")), () -> phase("pr-7"));

        HeldBackendFactory.BACKEND.holdDeletions();
        ok("delete", "-n", "ci", "ec", "pr-7", "--wait=false");
        eventually("the cluster is being deleted", () -> cluster(server, "pr-7").map(c -> c.phase() == Phase.DELETING).orElse(false),
                () -> cluster(server, "pr-7"));
        eventually("the object says Deprovisioning", () -> "Deprovisioning".equals(phase("pr-7")), () -> phase("pr-7"));
        // The backend has not deleted anything yet (held): the object must still be there, marked and finalized.
        assertThat(HeldBackendFactory.BACKEND.servers()).isEqualTo(1);
        GenericKubernetesResource held = object("pr-7").orElseThrow(() -> new AssertionError("the object went before its cluster"));
        assertThat(held.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(held.getMetadata().getFinalizers()).containsExactly("ephemera.dev/cluster");

        HeldBackendFactory.BACKEND.letDeletionsGo();
        eventually("the object is gone once the cluster is", () -> object("pr-7").isEmpty(), () -> phase("pr-7"));
        assertThat(HeldBackendFactory.BACKEND.servers()).isZero();
        assertThat(cluster(server, "pr-7")).map(Cluster::phase).contains(Phase.DELETED);
        KubectlOnMock.Result get = kubectl("get", "-n", "ci", "ec", "pr-7");
        assertThat(get.exit()).isNotZero();
        assertThat(get.err()).contains("NotFound");
    }

    @Test
    @DisplayName("a spec Ephemera refuses is a condition with a reason, and the fixed spec is claimed")
    void refusedSpecIsACondition() throws Exception {
        ClaimServers.Server server = servers.start("a");
        eventually("the only server leads", server.server()::isLeader);
        ok("apply", "--validate=false", "-f", manifest("pr-8", "backend: held\nttl: forever").toString());
        eventually("the object is Failed", () -> "Failed".equals(phase("pr-8")), () -> phase("pr-8"));
        assertThat(condition("pr-8", "ClusterReady")).containsEntry("status", "False").containsEntry("reason", "InvalidSpec")
                .hasEntrySatisfying("message", m -> assertThat(String.valueOf(m)).contains("spec.ttl"));
        ok("apply", "--validate=false", "-f", manifest("pr-9", "backend: held\nttl: 400d").toString());
        eventually("a ttl beyond the maximum lifetime is refused", () -> "Failed".equals(phase("pr-9")), () -> phase("pr-9"));
        assertThat(condition("pr-9", "ClusterReady")).containsEntry("reason", "Invalid")
                .hasEntrySatisfying("message", m -> assertThat(String.valueOf(m)).contains("maximum lifetime"));
        assertThat(HeldBackendFactory.BACKEND.creates()).isZero();
        assertThat(server.server().isLeader()).as("the controller is still running").isTrue();

        ok("patch", "-n", "ci", "ec", "pr-8", "--type=merge", "-p", "{\"spec\":{\"ttl\":\"1h\"}}");
        eventually("the fixed spec is claimed and Ready", () -> "Ready".equals(phase("pr-8")), () -> phase("pr-8"));
        assertThat(condition("pr-8", "ClusterReady")).containsEntry("status", "True");
    }

    @Test
    @DisplayName("two servers: the leader vanishes mid-provisioning, the other takes over and the cluster is Ready once, with one server made")
    void failover() throws Exception {
        ClaimServers.Server a = servers.start("a");
        ClaimServers.Server b = servers.start("b");
        eventually("one of the two leads", () -> a.server().isLeader() || b.server().isLeader());
        ClaimServers.Server leader = a.server().isLeader() ? a : b;
        ClaimServers.Server other = leader == a ? b : a;
        assertThat(other.server().isLeader()).isFalse();

        HeldBackendFactory.BACKEND.keepBooting();
        ok("apply", "--validate=false", "-f", manifest("pr-5", "backend: held\nttl: 2h").toString());
        eventually("the leader made the server and waits for it to boot", () -> HeldBackendFactory.BACKEND.creates() == 1
                && cluster(other, "pr-5").map(c -> c.phase() == Phase.PROVISIONING).orElse(false), () -> cluster(other, "pr-5"));
        assertThat(phase("pr-5")).isEqualTo("Provisioning");

        long cut = System.nanoTime();
        leader.proxy().cut(); // as kill -9 looks from the API server: no renewal, no release, no last word
        HeldBackendFactory.BACKEND.finishBooting();
        eventually("the other server takes the lead", Duration.ofSeconds(60), () -> other.server().isLeader(), () -> "");
        Duration takeover = Duration.ofNanos(System.nanoTime() - cut);
        eventually("the object is Ready", Duration.ofSeconds(60), () -> "Ready".equals(phase("pr-5")), () -> phase("pr-5"));

        Cluster c = cluster(other, "pr-5").orElseThrow();
        assertThat(c.phase()).isEqualTo(Phase.READY);
        assertThat(c.timeline()).filteredOn(e -> e.phase() == Phase.READY).hasSize(1);
        assertThat(HeldBackendFactory.BACKEND.creates()).as("servers made in the cloud").isEqualTo(1);
        assertThat(HeldBackendFactory.BACKEND.servers()).isEqualTo(1);
        System.out.printf("failover: the other server led %d ms after the leader was cut off (lease %s)%n", takeover.toMillis(), LEASE);
    }
}
