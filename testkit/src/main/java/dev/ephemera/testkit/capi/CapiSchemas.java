package dev.ephemera.testkit.capi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code openAPIV3Schema} of the Cluster API, CAPMOX and K3s-provider CRDs in
 * {@code shared/specs/capi/} (and external-dns's DNSEndpoint), as JSON Schemas (OpenAPI 3.0
 * dialect), to validate objects exactly as the API server's structural schema check would. CEL
 * rules ({@code x-kubernetes-validations}) are not evaluated here; {@link CapiStandIn} checks the
 * ones that matter to us (endpoint outside the node addresses, template id with its node).
 */
public final class CapiSchemas {
    /** CRD files by kind. */
    public static final Map<String, String> CRD_FILES = Map.of(
            "Cluster", "specs/capi/cluster.x-k8s.io_clusters.yaml",
            "KThreesControlPlane", "specs/capi/controlplane.cluster.x-k8s.io_kthreescontrolplanes.yaml",
            "KThreesConfigTemplate", "specs/capi/bootstrap.cluster.x-k8s.io_kthreesconfigtemplates.yaml",
            "ProxmoxCluster", "specs/capi/infrastructure.cluster.x-k8s.io_proxmoxclusters.yaml",
            "ProxmoxMachineTemplate", "specs/capi/infrastructure.cluster.x-k8s.io_proxmoxmachinetemplates.yaml",
            "DNSEndpoint", "specs/external-dns/dnsendpoints.externaldns.k8s.io.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private CapiSchemas() {
    }

    /** The CRD file of {@code kind}, found under {@code shared/}. */
    public static Path crdFile(String kind) {
        String relative = CRD_FILES.get(kind);
        if (relative == null) {
            throw new IllegalArgumentException("no CRD known for kind " + kind);
        }
        return locate(relative);
    }

    /**
     * What is wrong with {@code object} (JSON) against its CRD's schema at its apiVersion; empty when valid.
     * An object whose kind or version no CRD serves is itself an error.
     */
    public static List<String> validate(String objectJson) {
        try {
            JsonNode o = JSON.readTree(objectJson);
            String kind = o.path("kind").asText();
            String apiVersion = o.path("apiVersion").asText();
            if (!CRD_FILES.containsKey(kind)) {
                return List.of("no CRD for kind '" + kind + "'");
            }
            Schema schema = SCHEMAS.computeIfAbsent(kind + "|" + apiVersion, k -> load(kind, apiVersion));
            if (schema == null) {
                return List.of("the " + kind + " CRD serves no version " + apiVersion);
            }
            List<String> out = new ArrayList<>();
            for (Error e : schema.validate(objectJson, InputFormat.JSON)) {
                out.add(kind + " " + o.path("metadata").path("name").asText() + ": " + e.toString());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Schema load(String kind, String apiVersion) {
        try {
            JsonNode crd = YAML.readTree(Files.readString(crdFile(kind)));
            String group = crd.path("spec").path("group").asText();
            for (JsonNode v : crd.path("spec").path("versions")) {
                if ((group + "/" + v.path("name").asText()).equals(apiVersion) && v.path("served").asBoolean()) {
                    String base = "https://ephemera.dev/crd/" + kind + "/" + v.path("name").asText();
                    String text = JSON.writeValueAsString(v.path("schema").path("openAPIV3Schema"));
                    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(base, text)));
                    return registry.getSchema(SchemaLocation.of(base));
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Finds a file under {@code shared/}: {@code -Dephemera.shared.dir}, then {@code shared} or {@code ../shared} beside a parent directory. */
    public static Path locate(String relative) {
        String shared = System.getProperty("ephemera.shared.dir");
        if (shared != null && Files.isRegularFile(Path.of(shared).resolve(relative))) {
            return Path.of(shared).resolve(relative).normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve("shared").resolve(relative), d.resolve("../shared").resolve(relative))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find " + relative + " under shared/: set -Dephemera.shared.dir=<path to shared/>");
    }
}
