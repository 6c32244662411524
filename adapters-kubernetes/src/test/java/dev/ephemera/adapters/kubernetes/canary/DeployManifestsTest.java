package dev.ephemera.adapters.kubernetes.canary;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.HoldPolicy;
import dev.ephemera.domain.cluster.DurationText;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The manifests under {@code deploy/}: the E2ESpec CRDs accept seed 001's examples and refuse
 * broken specs, the Flagger Canary example is valid against Flagger's own CRD (from
 * {@code shared/specs/flagger/crd.yaml}) with a timeout that covers the hold, and the RBAC grants
 * what the verifier does.
 */
class DeployManifestsTest {
    private static final Path DEPLOY = MockApi.repoDir().resolve("deploy");

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

    private static JsonNode one(Path file) throws IOException {
        return documents(file).get(0);
    }

    /** The openAPIV3Schema of a CRD's first version, as a JSON Schema (OpenAPI 3.0 dialect). */
    private static Schema crdSchema(JsonNode crd) {
        JsonNode schema = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
        assertThat(schema.isObject()).as("CRD %s has an openAPIV3Schema", crd.path("metadata").path("name").asString()).isTrue();
        return SchemaRegistry.withDialect(Dialects.getOpenApi30()).getSchema(schema);
    }

    private static List<Error> validate(Schema schema, JsonNode doc) {
        return schema.validate(doc);
    }

    private static JsonNode yaml(String text) {
        return Serialization.yamlMapper().readTree(text);
    }

    @Test
    @DisplayName("the remarkable.com CRD is the ephemera.dev CRD with the seed's group, nothing else")
    void crdsDifferOnlyInGroup() throws IOException {
        JsonNode ours = one(DEPLOY.resolve("crds/e2especs.ephemera.dev.yaml"));
        ObjectNode seed = (ObjectNode) one(DEPLOY.resolve("crds/e2especs.remarkable.com.yaml")).deepCopy();
        assertThat(seed.path("spec").path("group").asString()).isEqualTo("remarkable.com");
        assertThat(seed.path("metadata").path("name").asString()).isEqualTo("e2especs.remarkable.com");
        ((ObjectNode) seed.get("spec")).put("group", "ephemera.dev");
        ((ObjectNode) seed.get("metadata")).put("name", "e2especs.ephemera.dev");
        assertThat(seed).isEqualTo(ours);
    }

    @Test
    @DisplayName("the E2ESpec CRD accepts seed 001's examples, which the adapter reads into specs")
    void examplesMatchTheCrd() throws IOException {
        Schema schema = crdSchema(one(DEPLOY.resolve("crds/e2especs.ephemera.dev.yaml")));
        List<JsonNode> specs = documents(DEPLOY.resolve("examples/e2espec.yaml")).stream()
                .filter(d -> "E2ESpec".equals(d.path("kind").asString())).toList();
        assertThat(specs).hasSize(2);
        for (JsonNode doc : specs) {
            assertThat(validate(schema, doc)).as(doc.path("metadata").path("name").asString()).isEmpty();
            GenericKubernetesResource r = Serialization.unmarshal(Serialization.jsonMapper().writeValueAsString(doc), GenericKubernetesResource.class);
            E2ESpec spec = E2ESpecReader.read(r);
            assertThat(spec.image()).isNotBlank();
            assertThat(E2ESpecReader.unknownFields(r)).isEmpty();
        }
        E2ESpec full = E2ESpecReader.read(Serialization.unmarshal(Serialization.jsonMapper().writeValueAsString(specs.get(1)),
                GenericKubernetesResource.class));
        assertThat(full.secrets()).hasSize(1);
        assertThat(full.env()).hasSize(2);
        assertThat(full.envFrom()).hasSize(2);
        assertThat(full.resources().limits()).containsEntry("cpu", "1000m");
    }

    @Test
    @DisplayName("the E2ESpec CRD refuses a spec without image, an unknown pull policy, a secret without mountPath")
    void crdRefusesBrokenSpecs() throws IOException {
        Schema schema = crdSchema(one(DEPLOY.resolve("crds/e2especs.ephemera.dev.yaml")));
        String head = "apiVersion: ephemera.dev/v1\nkind: E2ESpec\nmetadata: {name: x, namespace: default}\nspec:\n";
        assertThat(validate(schema, yaml(head + "  command: [sh]\n"))).isNotEmpty();
        assertThat(validate(schema, yaml(head + "  image: alpine\n  imagePullPolicy: Sometimes\n"))).isNotEmpty();
        assertThat(validate(schema, yaml(head + "  image: alpine\n  secrets: [{name: s}]\n"))).isNotEmpty();
        assertThat(validate(schema, yaml(head + "  image: alpine\n  activeDeadlineSeconds: 0\n"))).isNotEmpty();
        assertThat(validate(schema, yaml(head + "  image: alpine\n  resources: {limits: {cpu: 1, memory: 1Gi}}\n"))).isEmpty();
    }

    @Test
    @DisplayName("the Flagger Canary example is valid against Flagger's CRD, and its pre-rollout timeout covers the hold")
    void canaryExample() throws IOException {
        Path flaggerCrd = MockApi.sharedDir().resolve("specs/flagger/crd.yaml");
        assertThat(flaggerCrd).exists();
        Schema schema = crdSchema(one(flaggerCrd));
        JsonNode canary = one(DEPLOY.resolve("examples/flagger-canary.yaml"));
        assertThat(validate(schema, canary)).isEmpty();

        JsonNode hook = null;
        for (JsonNode w : canary.path("spec").path("analysis").path("webhooks")) {
            if ("pre-rollout".equals(w.path("type").asString())) {
                hook = w;
            }
        }
        assertThat(hook).as("a pre-rollout webhook").isNotNull();
        assertThat(hook.path("url").asString()).isEqualTo("http://e2e-verifier.default/webhook");
        Duration timeout = DurationText.parse(hook.path("timeout").asString());
        assertThat(timeout).isGreaterThan(HoldPolicy.DEFAULT.cap().plusSeconds(30));

        // The schema is strict enough to catch a mistake in the example: a timeout Flagger cannot parse.
        ObjectNode broken = (ObjectNode) canary.deepCopy();
        ((ObjectNode) broken.path("spec").path("analysis").path("webhooks").get(0)).put("timeout", "quarter of an hour");
        assertThat(validate(schema, broken)).isNotEmpty();
    }

    @Test
    @DisplayName("the RBAC grants seed 001's permissions and the pod reads the log tail needs")
    void rbac() throws IOException {
        JsonNode role = documents(DEPLOY.resolve("rbac.yaml")).stream().filter(d -> "ClusterRole".equals(d.path("kind").asString()))
                .findFirst().orElseThrow();
        assertThat(grants(role, "remarkable.com", "e2especs")).contains("get", "list", "watch");
        assertThat(grants(role, "ephemera.dev", "e2especs")).contains("get", "list", "watch");
        assertThat(grants(role, "batch", "jobs")).contains("get", "list", "watch", "create", "update", "patch", "delete");
        assertThat(grants(role, "batch", "jobs/status")).contains("get");
        assertThat(grants(role, "", "pods")).contains("get", "list");
        assertThat(grants(role, "", "pods/log")).contains("get", "list");
    }

    private static List<String> grants(JsonNode role, String group, String resource) {
        List<String> verbs = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            boolean g = false;
            for (JsonNode x : rule.path("apiGroups")) {
                g |= x.asString().equals(group);
            }
            boolean r = false;
            for (JsonNode x : rule.path("resources")) {
                r |= x.asString().equals(resource);
            }
            if (g && r) {
                rule.path("verbs").forEach(v -> verbs.add(v.asString()));
            }
        }
        return verbs;
    }

    @Test
    @DisplayName("the Deployment and Service keep seed 001's name, port and variables")
    void deploymentKeepsTheSeedsContract() throws IOException {
        JsonNode deployment = one(DEPLOY.resolve("deployment.yaml"));
        JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asString(), e.path("value").asString()));
        assertThat(env).containsEntry("USE_IN_CLUSTER", "true").containsEntry("PORT", "8080").containsEntry("EPHEMERA_SERVER_HOST", "0.0.0.0");
        assertThat(deployment.path("metadata").path("name").asString()).isEqualTo("e2e-verifier");
        assertThat(deployment.path("spec").path("template").path("spec").path("serviceAccountName").asString()).isEqualTo("e2e-verifier");
        JsonNode service = one(DEPLOY.resolve("service.yaml"));
        assertThat(service.path("metadata").path("name").asString()).isEqualTo("e2e-verifier");
        assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(80);
    }

    @Test
    @DisplayName("every manifest is accepted by an API server (fabric8's mock in CRUD mode)")
    void manifestsApply() throws IOException {
        try (MockApi api = new MockApi("ephemera.dev"); Stream<Path> files = Files.walk(DEPLOY)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals("e2especs.ephemera.dev.yaml"))
                    .filter(p -> !p.getFileName().toString().equals("flagger-canary.yaml"))
                    .sorted().toList();
            assertThat(yamls).isNotEmpty();
            for (Path p : yamls) {
                try (InputStream in = Files.newInputStream(p)) {
                    List<HasMetadata> items = api.client().load(in).items();
                    assertThat(items).as(p.toString()).isNotEmpty();
                    for (HasMetadata item : items) {
                        api.client().resource(item).inNamespace(item.getMetadata().getNamespace() == null ? "default"
                                : item.getMetadata().getNamespace()).create();
                    }
                }
            }
            assertThat(api.client().genericKubernetesResources(api.specType()).inNamespace("default").list().getItems())
                    .extracting(r -> r.getMetadata().getName()).containsExactlyInAnyOrder("simple-test", "my-app");
        }
    }
}
