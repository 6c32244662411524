package dev.ephemera.adapters.kubernetes.claims;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.ephemera.ports.claims.ClaimCondition;
import dev.ephemera.ports.claims.ClaimObject;
import dev.ephemera.ports.claims.ClaimStatus;
import dev.ephemera.testkit.kubernetes.KubectlOnMock;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The EphemeralCluster CRD and the server's manifests under {@code deploy/ephemera}: the schema is
 * structural and takes what the adapter writes, kubectl accepts every file, and the RBAC grants
 * exactly what the adapters do.
 */
@DisplayName("deploy/: the EphemeralCluster CRD and the server's manifests")
class EphemeraManifestsTest {
    private static final Path DEPLOY = repoDir().resolve("deploy");
    private static final Path CRD = DEPLOY.resolve("crds/ephemeralclusters.ephemera.dev.yaml");

    static Path repoDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository's deploy/crds");
    }

    static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                var it = Serialization.yamlMapper().readerFor(JsonNode.class).<JsonNode>readValues(in)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static JsonNode crd() throws IOException {
        return documents(CRD).get(0);
    }

    private static JsonNode version() throws IOException {
        return crd().path("spec").path("versions").get(0);
    }

    private static Schema schema() throws IOException {
        return SchemaRegistry.withDialect(Dialects.getOpenApi30()).getSchema(version().path("schema").path("openAPIV3Schema"));
    }

    private static JsonNode yaml(String text) {
        return Serialization.yamlMapper().readTree(text);
    }

    @Nested
    @DisplayName("the CRD")
    class Crd {
        @Test
        @DisplayName("is ephemera.dev/v1alpha1 EphemeralCluster, namespaced, short name ec, with a status subresource")
        void names() throws IOException {
            JsonNode spec = crd().path("spec");
            assertThat(crd().path("metadata").path("name").asString()).isEqualTo("ephemeralclusters.ephemera.dev");
            assertThat(spec.path("group").asString()).isEqualTo(KubernetesClaimObjects.GROUP);
            assertThat(spec.path("scope").asString()).isEqualTo("Namespaced");
            assertThat(spec.path("names").path("kind").asString()).isEqualTo(KubernetesClaimObjects.KIND);
            assertThat(spec.path("names").path("plural").asString()).isEqualTo("ephemeralclusters");
            assertThat(spec.path("names").path("shortNames").get(0).asString()).isEqualTo("ec");
            assertThat(version().path("name").asString()).isEqualTo(KubernetesClaimObjects.VERSION);
            assertThat(version().path("subresources").has("status")).isTrue();
        }

        @Test
        @DisplayName("has the printer columns Phase, Backend, Endpoint, Expires, Age, each on a field of the schema")
        void printerColumns() throws IOException {
            List<String> names = new ArrayList<>();
            JsonNode props = version().path("schema").path("openAPIV3Schema");
            for (JsonNode c : version().path("additionalPrinterColumns")) {
                names.add(c.path("name").asString());
                String path = c.path("jsonPath").asString();
                if (path.startsWith(".metadata")) {
                    continue;
                }
                JsonNode n = props;
                for (String part : path.substring(1).split("\\.")) {
                    n = n.path("properties").path(part);
                }
                assertThat(n.isMissingNode()).as("column %s points at %s, a field of the schema", c.path("name").asString(), path).isFalse();
            }
            assertThat(names).containsExactly("Phase", "Backend", "Endpoint", "Expires", "Age");
        }

        @Test
        @DisplayName("is structural: every node of the schema has a type")
        void structural() throws IOException {
            List<String> untyped = new ArrayList<>();
            walk(version().path("schema").path("openAPIV3Schema"), "", untyped);
            assertThat(untyped).isEmpty();
        }

        private void walk(JsonNode n, String at, List<String> untyped) {
            if (!n.has("type") && !n.path("x-kubernetes-int-or-string").asBoolean(false)
                    && !n.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                untyped.add(at.isEmpty() ? "(root)" : at);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n.path("properties").properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                walk(e.getValue(), at + "." + e.getKey(), untyped);
            }
            if (n.has("items")) {
                walk(n.get("items"), at + "[]", untyped);
            }
        }

        @Test
        @DisplayName("accepts the example, which the adapter reads into the spec it says")
        void example() throws IOException {
            JsonNode doc = documents(DEPLOY.resolve("examples/ephemeralcluster.yaml")).get(0);
            assertThat(schema().validate(doc)).isEmpty();
            ClaimObject o = KubernetesClaimObjects.toClaim(Serialization.unmarshal(Serialization.jsonMapper().writeValueAsString(doc),
                    GenericKubernetesResource.class));
            assertThat(o.spec().backend()).contains("hetzner");
            assertThat(o.spec().ownerRepository()).contains("acme/shop");
            assertThat(o.spec().ownerPullRequest()).contains("42");
            assertThat(o.spec().ttl()).contains("4h");
            assertThat(o.spec().tearDownCluster()).contains("false");
        }

        @Test
        @DisplayName("refuses a ttl that is no duration, a pull request that is no number, a tearDownCluster that is no boolean")
        void refusesBrokenSpecs() throws IOException {
            String head = "apiVersion: ephemera.dev/v1alpha1\nkind: EphemeralCluster\nmetadata: {name: x, namespace: ci}\nspec:\n";
            Schema s = schema();
            assertThat(s.validate(yaml(head + "  ttl: forever\n"))).isNotEmpty();
            assertThat(s.validate(yaml(head + "  owner: {repository: acme/shop, pullRequest: x}\n"))).isNotEmpty();
            assertThat(s.validate(yaml(head + "  owner: {pullRequest: 4}\n"))).isNotEmpty();
            assertThat(s.validate(yaml(head + "  tearDownCluster: yes please\n"))).isNotEmpty();
            assertThat(s.validate(yaml(head + "  pushTo: [nowhere]\n"))).isNotEmpty();
            assertThat(s.validate(yaml(head + "  ttl: 1h30m\n  heartbeat: 5m\n  pushTo: ['github:acme/shop:E2E_KUBECONFIG']\n"))).isEmpty();
        }

        @Test
        @DisplayName("takes the status the adapter writes, conditions with every metav1.Condition field")
        void takesTheAdaptersStatus() throws IOException {
            ClaimStatus st = new ClaimStatus("Ready", Optional.of("pr-42-1a2b3c4d"),
                    List.of(ClaimCondition.of("ClusterReady", true, "Ready", "ready"), ClaimCondition.of("KubeconfigPublished", true, "Published", "key")),
                    Optional.of("pr-42-kubeconfig"), Optional.of("https://10.0.0.1:6443"), Optional.of(Instant.parse("2026-12-06T12:00:00Z")), 3);
            Map<String, Object> status = KubernetesClaimObjects.statusMap(st, Map.of(), Instant.parse("2026-12-06T08:00:00Z"));
            Map<String, Object> obj = Map.of("apiVersion", "ephemera.dev/v1alpha1", "kind", "EphemeralCluster",
                    "metadata", Map.of("name", "pr-42", "namespace", "ci"), "spec", Map.of(), "status", status);
            JsonNode doc = Serialization.jsonMapper().valueToTree(obj);
            assertThat(schema().validate(doc)).isEmpty();
            JsonNode c = doc.path("status").path("conditions").get(0);
            assertThat(Stream.of("type", "status", "reason", "message", "lastTransitionTime", "observedGeneration")).allMatch(c::has);
            for (String phase : List.of("Provisioning", "Ready", "Deprovisioning", "Deprovisioned", "Failed")) {
                assertThat(schema().validate(yaml("status: {phase: " + phase + "}"))).as(phase).isEmpty();
            }
            assertThat(schema().validate(yaml("status: {phase: Requested}"))).isNotEmpty();
        }
    }

    @Nested
    @DisplayName("the server's manifests")
    class Server {
        private List<Path> files() throws IOException {
            try (Stream<Path> s = Files.list(DEPLOY.resolve("ephemera"))) {
                List<Path> out = new ArrayList<>(s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList());
                out.add(CRD);
                out.add(DEPLOY.resolve("examples/ephemeralcluster.yaml"));
                return out;
            }
        }

        @Test
        @DisplayName("kubectl apply --dry-run=client takes every file, and kubectl apply creates them all")
        void kubectlTakesThem(@TempDir Path dir) throws Exception {
            Assumptions.assumeTrue(KubectlOnMock.installed(), "kubectl is not installed (Debian package kubectl / kubernetes-client)");
            try (KubernetesCrudMock mock = KubernetesCrudMock.http()) {
                KubectlOnMock kubectl = KubectlOnMock.on(mock, dir, "default", List.of(
                        KubectlOnMock.Kind.of("v1", "namespaces", "Namespace", false, "ns"),
                        KubectlOnMock.Kind.of("v1", "configmaps", "ConfigMap", true, "cm"),
                        KubectlOnMock.Kind.of("v1", "serviceaccounts", "ServiceAccount", true, "sa"),
                        KubectlOnMock.Kind.of("v1", "services", "Service", true, "svc"),
                        KubectlOnMock.Kind.of("apps/v1", "deployments", "Deployment", true, "deploy"),
                        KubectlOnMock.Kind.of("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true, "pdb"),
                        KubectlOnMock.Kind.of("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false),
                        KubectlOnMock.Kind.of("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false),
                        KubectlOnMock.Kind.of("rbac.authorization.k8s.io/v1", "roles", "Role", true),
                        KubectlOnMock.Kind.of("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true),
                        KubectlOnMock.Kind.of("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false, "crd"),
                        KubectlOnMock.Kind.of("ephemera.dev/v1alpha1", "ephemeralclusters", "EphemeralCluster", true, "ec")));
                for (Path f : files()) {
                    KubectlOnMock.Result r = kubectl.run("apply", "--dry-run=client", "--validate=false", "-f", f.toString(), "-o", "name");
                    assertThat(r.exit()).as("%s: %s", f, r.err()).isZero();
                    assertThat(r.out()).as(f.toString()).isNotBlank();
                }
                for (Path f : files()) {
                    KubectlOnMock.Result r = kubectl.run("apply", "--validate=false", "-f", f.toString());
                    assertThat(r.exit()).as("%s: %s", f, r.err()).isZero();
                }
                var c = mock.client();
                var deployment = c.apps().deployments().inNamespace("ephemera").withName("ephemera").get();
                assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
                Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
                assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("ephemera");
                PodDisruptionBudget pdb = c.policy().v1().podDisruptionBudget().inNamespace("ephemera").withName("ephemera").get();
                assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
                assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
                assertThat(podLabels).containsAllEntriesOf(c.services().inNamespace("ephemera").withName("ephemera").get().getSpec().getSelector());
                assertThat(c.configMaps().inNamespace("ephemera").withName("ephemera-config").get().getData()).containsKey("ephemera.yaml");
            }
        }

        @Test
        @DisplayName("the RBAC grants what the claim objects, the stores and the leader election do")
        void rbac() throws IOException {
            List<PolicyRule> cluster = new ArrayList<>();
            List<PolicyRule> namespaced = new ArrayList<>();
            for (JsonNode d : documents(DEPLOY.resolve("ephemera/rbac.yaml"))) {
                String kind = d.path("kind").asString();
                if (kind.equals("ClusterRole") || kind.equals("Role")) {
                    for (JsonNode r : d.path("rules")) {
                        PolicyRule rule = Serialization.unmarshal(Serialization.jsonMapper().writeValueAsString(r), PolicyRule.class);
                        (kind.equals("Role") ? namespaced : cluster).add(rule);
                    }
                }
            }
            assertAllowed(cluster, "ephemera.dev", "ephemeralclusters", "get", "list", "watch", "update");
            assertAllowed(cluster, "ephemera.dev", "ephemeralclusters/status", "update");
            assertAllowed(cluster, "ephemera.dev", "ephemeralclusters/finalizers", "update");
            assertAllowed(cluster, "", "secrets", "get", "create", "update", "delete");
            assertAllowed(namespaced, "", "configmaps", "get", "list", "create", "update", "delete");
            assertAllowed(namespaced, "", "secrets", "get", "list", "create", "update", "delete");
            assertAllowed(namespaced, "coordination.k8s.io", "leases", "get", "create", "update", "patch");
            // No more than that: never every resource, never every verb.
            Stream.concat(cluster.stream(), namespaced.stream()).forEach(r -> {
                assertThat(r.getResources()).doesNotContain("*");
                assertThat(r.getVerbs()).doesNotContain("*");
            });
        }

        private static void assertAllowed(List<PolicyRule> rules, String group, String resource, String... verbs) {
            for (String verb : verbs) {
                assertThat(rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
                        && r.getVerbs().contains(verb))).as("%s %s/%s", verb, group, resource).isTrue();
            }
        }
    }
}
