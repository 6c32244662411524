package dev.ephemera.testkit.fake.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Vault's own OpenAPI description of the endpoints the fake serves
 * ({@code shared/specs/vault/openapi-subset.json}), used to check every request body the fake
 * receives against the operation's schema.
 */
public final class VaultSpec {
    /** Where the spec is, relative to the shared directory. */
    public static final String RELATIVE_PATH = "specs/vault/openapi-subset.json";

    private static final String BASE = "https://spec.ephemera.invalid/vault/openapi-subset.json";

    private final Path file;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final Map<String, Operation> operations;

    private static final String COMPONENTS = "#/components/schemas/";

    private VaultSpec(Path file) {
        this.file = file;
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Vault spec at " + file, e);
        }
        this.registry = SchemaRegistry.withDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(BASE, text)));
        this.operations = operations(text);
    }

    private static final Map<Path, VaultSpec> LOADED = new ConcurrentHashMap<>();

    /** Loads the spec from the shared directory (see {@link #locate()}); parsed once per JVM. */
    public static VaultSpec load() {
        return load(locate());
    }

    public static VaultSpec load(Path file) {
        return LOADED.computeIfAbsent(file.toAbsolutePath().normalize(), VaultSpec::new);
    }

    /**
     * Finds the spec: system property {@code ephemera.shared.dir} (set by surefire), then
     * {@code ../shared} beside the repository ({@code ephemera.repo.dir} or any directory above
     * the working directory).
     */
    public static Path locate() {
        String shared = System.getProperty("ephemera.shared.dir");
        if (shared != null && Files.isRegularFile(Path.of(shared).resolve(RELATIVE_PATH))) {
            return Path.of(shared).resolve(RELATIVE_PATH).normalize();
        }
        String repo = System.getProperty("ephemera.repo.dir");
        if (repo != null) {
            Path p = Path.of(repo).resolve("../shared").resolve(RELATIVE_PATH).normalize();
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve("shared").resolve(RELATIVE_PATH), d.resolve("../shared").resolve(RELATIVE_PATH))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find the Vault spec " + RELATIVE_PATH
                + ": set -Dephemera.shared.dir=<path to shared/> (the fake checks every request against it)");
    }

    public Path file() {
        return file;
    }

    /**
     * Checks a JSON body against {@code #/components/schemas/<component>}; returns what is wrong,
     * empty when it conforms.
     */
    public List<String> check(String component, String json) {
        Schema schema = schemas.computeIfAbsent(component,
                c -> registry.getSchema(SchemaLocation.of(BASE + COMPONENTS + c)));
        List<Error> errors = schema.validate(json, InputFormat.JSON);
        return errors.stream().map(e -> component + " " + e).toList();
    }

    /** Whether the spec describes an operation of this id. */
    public boolean hasOperation(String operationId) {
        return operations.containsKey(operationId);
    }

    /**
     * Checks a request body against the operation's request schema: a required body must be
     * there, and it must conform. Returns what is wrong, empty when all is well.
     */
    public List<String> checkRequest(String operationId, String body) {
        Operation op = operations.get(operationId);
        if (op == null) {
            return List.of("operation " + operationId + " is not in the Vault spec " + file.getFileName());
        }
        boolean empty = body == null || body.isBlank();
        if (empty) {
            return op.bodyRequired() ? List.of(operationId + ": the spec requires a JSON request body") : List.of();
        }
        return op.schema().map(s -> check(s, body)).orElse(List.of());
    }

    private record Operation(String id, boolean bodyRequired, Optional<String> schema) {
    }

    private static Map<String, Operation> operations(String text) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("the Vault spec is not JSON", e);
        }
        Map<String, Operation> out = new HashMap<>();
        root.path("paths").forEach(item -> item.properties().forEach(e -> {
            JsonNode op = e.getValue();
            if (!op.isObject() || !op.has("operationId")) {
                return;
            }
            JsonNode body = op.path("requestBody");
            String ref = body.path("content").path("application/json").path("schema").path("$ref").asText("");
            Optional<String> schema = ref.startsWith(COMPONENTS) ? Optional.of(ref.substring(COMPONENTS.length())) : Optional.empty();
            String id = op.get("operationId").asText();
            out.put(id, new Operation(id, body.path("required").asBoolean(false), schema));
        }));
        return Map.copyOf(out);
    }
}
