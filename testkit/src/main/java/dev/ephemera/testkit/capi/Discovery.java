package dev.ephemera.testkit.capi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy discovery documents ({@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/G/V})
 * for fabric8's mock API server, which does not serve them in CRUD mode: core {@code v1} Namespaces,
 * Secrets and ConfigMaps, plus every served version of the given CRDs. {@code kubectl} needs them
 * to map a kind to its resource, even for {@code apply --dry-run=client}.
 */
public final class Discovery {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private Discovery() {
    }

    public static void serve(KubernetesMockServer server, List<Path> crdFiles) {
        try {
            ObjectNode api = JSON.createObjectNode().put("kind", "APIVersions");
            api.putArray("versions").add("v1");
            api.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", "127.0.0.1");
            ObjectNode core = resourceList("v1");
            add(core, "namespaces", "Namespace", false);
            add(core, "secrets", "Secret", true);
            add(core, "configmaps", "ConfigMap", true);
            Map<String, ObjectNode> lists = new LinkedHashMap<>();
            ObjectNode groups = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
            ArrayNode groupArray = groups.putArray("groups");
            Map<String, ObjectNode> groupNodes = new LinkedHashMap<>();
            for (Path f : crdFiles) {
                JsonNode crd = YAML.readTree(Files.readString(f));
                JsonNode spec = crd.path("spec");
                String group = spec.path("group").asText();
                ObjectNode g = groupNodes.computeIfAbsent(group, k -> {
                    ObjectNode n = groupArray.addObject().put("name", k);
                    n.putArray("versions");
                    return n;
                });
                for (JsonNode v : spec.path("versions")) {
                    if (!v.path("served").asBoolean()) {
                        continue;
                    }
                    String gv = group + "/" + v.path("name").asText();
                    boolean known = false;
                    for (JsonNode existing : g.path("versions")) {
                        known |= existing.path("groupVersion").asText().equals(gv);
                    }
                    if (!known) {
                        ((ArrayNode) g.path("versions")).addObject().put("groupVersion", gv).put("version", v.path("name").asText());
                    }
                    if (v.path("storage").asBoolean()) {
                        g.putObject("preferredVersion").put("groupVersion", gv).put("version", v.path("name").asText());
                    }
                    add(lists.computeIfAbsent(gv, Discovery::resourceList), spec.path("names").path("plural").asText(),
                            spec.path("names").path("kind").asText(), "Namespaced".equals(spec.path("scope").asText()));
                }
            }
            answer(server, "/api", api);
            answer(server, "/api/v1", core);
            answer(server, "/apis", groups);
            for (Map.Entry<String, ObjectNode> e : lists.entrySet()) {
                answer(server, "/apis/" + e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mock matches the query too: kubectl asks with {@code ?timeout=32s}. */
    private static void answer(KubernetesMockServer server, String path, ObjectNode body) throws IOException {
        String json = JSON.writeValueAsString(body);
        for (String p : List.of(path, path + "?timeout=32s")) {
            server.expect().get().withPath(p).andReturn(200, json).always();
        }
    }

    private static ObjectNode resourceList(String groupVersion) {
        ObjectNode n = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
        n.putArray("resources");
        return n;
    }

    private static void add(ObjectNode list, String plural, String kind, boolean namespaced) {
        ObjectNode r = ((ArrayNode) list.path("resources")).addObject().put("name", plural).put("singularName", "")
                .put("namespaced", namespaced).put("kind", kind);
        ArrayNode verbs = r.putArray("verbs");
        for (String v : List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")) {
            verbs.add(v);
        }
    }
}
