package dev.ephemera.testkit.fake.github;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub's own OpenAPI description of the endpoints and webhooks Ephemera uses
 * ({@code shared/specs/github/openapi-subset.json}): finds the operation a request is for, and
 * checks request bodies, response bodies and webhook payloads against the schemas the spec gives,
 * with {@code $ref}s into {@code #/components/schemas/} resolved in the spec document itself.
 */
public final class GitHubSpec {
    /** Where the spec is, relative to the shared directory. */
    public static final String RELATIVE_PATH = "specs/github/openapi-subset.json";

    private static final String BASE = "https://spec.ephemera.invalid/github/openapi-subset.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final JsonNode root;
    private final SchemaRegistry registry;
    private final List<Operation> operations;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /**
     * One operation of the spec.
     *
     * @param bodyRequired whether the spec marks the request body required
     */
    public record Operation(String id, String method, String pathTemplate, Pattern pathPattern, List<String> pathParams,
                            boolean hasBody, boolean bodyRequired) {
        /** The path parameters of {@code path}, decoded, if this operation's template matches it. */
        public Optional<Map<String, String>> match(String method, String rawPath) {
            if (!this.method.equalsIgnoreCase(method)) {
                return Optional.empty();
            }
            Matcher m = pathPattern.matcher(rawPath);
            if (!m.matches()) {
                return Optional.empty();
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < pathParams.size(); i++) {
                params.put(pathParams.get(i), java.net.URLDecoder.decode(m.group(i + 1).replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
            }
            return Optional.of(params);
        }
    }

    private GitHubSpec(Path file) {
        this.file = file;
        String text;
        try {
            text = Files.readString(file);
            root = MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the GitHub spec at " + file, e);
        }
        registry = SchemaRegistry.withDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(BASE, text)));
        operations = readOperations(root);
    }

    private static final Map<Path, GitHubSpec> LOADED = new ConcurrentHashMap<>();

    /** The spec from the shared directory; loaded once per JVM (it is immutable, and compiling its schemas takes a moment). */
    public static GitHubSpec load() {
        return load(locate());
    }

    public static GitHubSpec load(Path file) {
        return LOADED.computeIfAbsent(file.toAbsolutePath().normalize(), GitHubSpec::new);
    }

    /**
     * Finds the spec: system property {@code ephemera.shared.dir} (set by surefire), then
     * {@code ../shared} beside the repository ({@code ephemera.repo.dir}, or any directory above
     * the working directory).
     */
    public static Path locate() {
        String shared = System.getProperty("ephemera.shared.dir");
        if (shared != null && Files.isRegularFile(Path.of(shared).resolve(RELATIVE_PATH))) {
            return Path.of(shared).resolve(RELATIVE_PATH).normalize();
        }
        String repo = System.getProperty("ephemera.repo.dir");
        if (repo != null && Files.isRegularFile(Path.of(repo).resolve("../shared").resolve(RELATIVE_PATH))) {
            return Path.of(repo).resolve("../shared").resolve(RELATIVE_PATH).normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve("shared").resolve(RELATIVE_PATH), d.resolve("../shared").resolve(RELATIVE_PATH))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find the GitHub spec " + RELATIVE_PATH
                + ": set -Dephemera.shared.dir=<path to shared/> (the fake checks every request against it)");
    }

    public Path file() {
        return file;
    }

    public List<Operation> operations() {
        return operations;
    }

    /** The operation for a request, with its path parameters. */
    public Optional<Map.Entry<Operation, Map<String, String>>> find(String method, String rawPath) {
        // Literal segments beat parameters (GitHub's router does the same): prefer the template with fewest parameters.
        Map.Entry<Operation, Map<String, String>> best = null;
        for (Operation op : operations) {
            Optional<Map<String, String>> m = op.match(method, rawPath);
            if (m.isPresent() && (best == null || op.pathParams().size() < best.getKey().pathParams().size())) {
                best = Map.entry(op, m.get());
            }
        }
        return Optional.ofNullable(best);
    }

    /** What is wrong with a request body for {@code op}; empty when it conforms. */
    public List<String> checkRequest(Operation op, String body) {
        boolean empty = body == null || body.isBlank();
        if (empty) {
            return op.bodyRequired() ? List.of(op.id() + ": the spec requires a JSON request body") : List.of();
        }
        if (!op.hasBody()) {
            return List.of(op.id() + ": the spec describes no request body, but one was sent");
        }
        return validate(pointer("paths", op.pathTemplate(), op.method().toLowerCase(Locale.ROOT), "requestBody", "content", "application/json", "schema"),
                body, op.id() + " request");
    }

    /** What is wrong with a response body the fake is about to send for {@code op} with {@code status}; empty when it conforms or the spec gives no schema. */
    public List<String> checkResponse(Operation op, int status, String body) {
        JsonNode response = root.path("paths").path(op.pathTemplate()).path(op.method().toLowerCase(Locale.ROOT)).path("responses").path(String.valueOf(status));
        String[] base;
        if (response.has("$ref")) {
            String ref = response.get("$ref").asText();
            base = ref.substring(2).split("/");
            response = at(ref);
        } else {
            base = new String[] {"paths", op.pathTemplate(), op.method().toLowerCase(Locale.ROOT), "responses", String.valueOf(status)};
        }
        if (response.isMissingNode()) {
            return List.of(op.id() + ": the spec lists no " + status + " response");
        }
        if (!response.path("content").path("application/json").has("schema")) {
            return List.of();
        }
        String[] path = new String[base.length + 3];
        System.arraycopy(base, 0, path, 0, base.length);
        path[base.length] = "content";
        path[base.length + 1] = "application/json";
        path[base.length + 2] = "schema";
        return validate(pointer(path), body, op.id() + " " + status + " response");
    }

    /** What is wrong with {@code json} as an instance of {@code #/components/schemas/<component>}. */
    public List<String> checkComponent(String component, String json) {
        return validate(pointer("components", "schemas", component), json, component);
    }

    /** The webhook payload schema component for a pull_request action, e.g. {@code webhook-pull-request-opened}. */
    public String webhookComponent(String action) {
        JsonNode hook = root.path("x-webhooks").path("pull-request-" + action).path("post").path("requestBody").path("content")
                .path("application/json").path("schema").path("$ref");
        if (!hook.isTextual()) {
            throw new IllegalArgumentException("the spec has no pull_request " + action + " webhook");
        }
        String ref = hook.asText();
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /** The spec node at a local {@code #/...} reference. */
    public JsonNode at(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local references are supported: " + ref);
        }
        JsonNode n = root;
        for (String part : ref.substring(2).split("/")) {
            n = n.path(part.replace("~1", "/").replace("~0", "~"));
        }
        return n;
    }

    public JsonNode root() {
        return root;
    }

    private List<String> validate(String fragment, String json, String what) {
        Schema schema = schemas.computeIfAbsent(fragment, f -> registry.getSchema(SchemaLocation.of(BASE + f)));
        List<Error> errors;
        try {
            errors = schema.validate(json, InputFormat.JSON);
        } catch (RuntimeException e) {
            return List.of(what + ": not JSON (" + e.getMessage() + ")");
        }
        List<String> out = new ArrayList<>();
        for (Error e : errors) {
            out.add(what + ": " + e.getInstanceLocation() + " " + e.getMessage());
        }
        return out;
    }

    /** A JSON pointer fragment, escaped per RFC 6901 and percent-encoded for use in an IRI. */
    private static String pointer(String... parts) {
        StringBuilder b = new StringBuilder("#");
        for (String p : parts) {
            String escaped = p.replace("~", "~0").replace("/", "~1");
            b.append('/').append(escaped.replace("{", "%7B").replace("}", "%7D"));
        }
        return b.toString();
    }

    private static List<Operation> readOperations(JsonNode root) {
        List<Operation> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> p : root.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> m : p.getValue().properties()) {
                if (!m.getValue().has("operationId")) {
                    continue;
                }
                List<String> names = new ArrayList<>();
                StringBuilder regex = new StringBuilder();
                Matcher pm = Pattern.compile("\\{([^}]+)}|([^{]+)").matcher(p.getKey());
                while (pm.find()) {
                    if (pm.group(1) != null) {
                        names.add(pm.group(1));
                        regex.append("([^/]+)");
                    } else {
                        regex.append(Pattern.quote(pm.group(2)));
                    }
                }
                JsonNode rb = m.getValue().path("requestBody");
                out.add(new Operation(m.getValue().get("operationId").asText(), m.getKey().toUpperCase(Locale.ROOT), p.getKey(),
                        Pattern.compile(regex.toString()), List.copyOf(names), !rb.isMissingNode(), rb.path("required").asBoolean(false)));
            }
        }
        return List.copyOf(out);
    }
}
