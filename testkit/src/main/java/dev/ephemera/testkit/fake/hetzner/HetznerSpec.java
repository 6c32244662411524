package dev.ephemera.testkit.fake.hetzner;

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

/**
 * Hetzner's OpenAPI description ({@code shared/specs/hetzner/openapi.json}, a subset of the
 * official one): finds the operation a request is for and checks its path parameters, query
 * parameters and JSON body against it, and checks the fake's own answers against the response
 * schemas. Schemas are validated with networknt's OpenAPI 3.0 dialect, {@code $ref}s resolved
 * into {@code #/components/schemas} of the spec document itself.
 */
public final class HetznerSpec {
    public static final String RELATIVE_PATH = "specs/hetzner/openapi.json";
    private static final String BASE = "https://spec.ephemera.invalid/hetzner/openapi.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final JsonNode root;
    private final SchemaRegistry registry;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    /** One operation: method, path template split in segments, and where its schemas are. */
    public record Operation(String id, String method, String template, List<String> segments, JsonNode node) {
        int literals() {
            return (int) segments.stream().filter(s -> !s.startsWith("{")).count();
        }

        Optional<Map<String, String>> match(String method, List<String> path) {
            if (!this.method.equals(method) || path.size() != segments.size()) {
                return Optional.empty();
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < segments.size(); i++) {
                String s = segments.get(i);
                if (s.startsWith("{") && s.endsWith("}")) {
                    params.put(s.substring(1, s.length() - 1), path.get(i));
                } else if (!s.equals(path.get(i))) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }
    }

    /** A matched request: the operation and its decoded path parameters. */
    public record Match(Operation operation, Map<String, String> pathParams) {
    }

    private HetznerSpec(Path file) {
        this.file = file;
        String text;
        try {
            text = Files.readString(file);
            root = MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Hetzner spec at " + file, e);
        }
        registry = SchemaRegistry.withDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(BASE, text)));
        for (Map.Entry<String, JsonNode> p : root.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> m : p.getValue().properties()) {
                String method = m.getKey().toUpperCase(Locale.ROOT);
                if (List.of("GET", "POST", "PUT", "DELETE", "PATCH").contains(method)) {
                    operations.add(new Operation(m.getValue().path("operationId").asText(method + " " + p.getKey()), method, p.getKey(),
                            segments(p.getKey()), m.getValue()));
                }
            }
        }
    }

    public static HetznerSpec load() {
        return new HetznerSpec(SharedSpecs.locate(RELATIVE_PATH));
    }

    public Path file() {
        return file;
    }

    static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The operation for a request path (below {@code /v1}); literal segments beat parameters, as in Hetzner's router. */
    public Optional<Match> find(String method, String path) {
        List<String> segs = segments(path);
        Match best = null;
        for (Operation op : operations) {
            Optional<Map<String, String>> m = op.match(method, segs);
            if (m.isPresent() && (best == null || op.literals() > best.operation().literals())) {
                best = new Match(op, m.get());
            }
        }
        return Optional.ofNullable(best);
    }

    /** Whether any operation has this path, with another method (for 405 against 404). */
    public boolean pathExists(String path) {
        List<String> segs = segments(path);
        return operations.stream().anyMatch(op -> op.match(op.method(), segs).isPresent());
    }

    /** What is wrong with the parameters of a request; empty when they conform. */
    public List<String> checkParameters(Match match, Map<String, List<String>> query) {
        List<String> problems = new ArrayList<>();
        Operation op = match.operation();
        Map<String, JsonNode> declared = new LinkedHashMap<>();
        for (JsonNode p : op.node().path("parameters")) {
            declared.put(p.path("in").asText() + ":" + p.path("name").asText(), p);
        }
        for (Map.Entry<String, String> e : match.pathParams().entrySet()) {
            JsonNode p = declared.get("path:" + e.getKey());
            if (p == null) {
                problems.add(op.id() + ": path parameter " + e.getKey() + " is not declared");
            } else {
                checkValue(op.id() + ": path parameter " + e.getKey(), p.path("schema"), e.getValue(), problems);
            }
        }
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            JsonNode p = declared.get("query:" + e.getKey());
            if (p == null) {
                problems.add(op.id() + ": query parameter '" + e.getKey() + "' is not in the spec");
                continue;
            }
            JsonNode schema = p.path("schema");
            boolean array = "array".equals(schema.path("type").asText());
            if (!array && e.getValue().size() > 1) {
                problems.add(op.id() + ": query parameter " + e.getKey() + " given " + e.getValue().size() + " times but is not an array");
            }
            for (String v : e.getValue()) {
                checkValue(op.id() + ": query parameter " + e.getKey(), array ? schema.path("items") : schema, v, problems);
            }
        }
        for (Map.Entry<String, JsonNode> d : declared.entrySet()) {
            if (d.getValue().path("required").asBoolean(false) && d.getKey().startsWith("query:")
                    && !query.containsKey(d.getValue().path("name").asText())) {
                problems.add(op.id() + ": required query parameter " + d.getValue().path("name").asText() + " is missing");
            }
        }
        return problems;
    }

    private static void checkValue(String what, JsonNode schema, String value, List<String> problems) {
        String type = schema.path("type").asText("string");
        switch (type) {
            case "integer" -> {
                try {
                    long v = Long.parseLong(value);
                    if (schema.has("maximum") && v > schema.get("maximum").asLong()) {
                        problems.add(what + " = " + value + " is above the maximum " + schema.get("maximum").asLong());
                    }
                } catch (NumberFormatException e) {
                    problems.add(what + " = '" + value + "' is not an integer");
                }
            }
            case "boolean" -> {
                if (!value.equals("true") && !value.equals("false")) {
                    problems.add(what + " = '" + value + "' is not a boolean");
                }
            }
            default -> {
            }
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.asText().equals(value);
            }
            if (!found) {
                problems.add(what + " = '" + value + "' is not one of " + schema.get("enum"));
            }
        }
    }

    /** What is wrong with a request body; empty when it conforms. */
    public List<String> checkRequestBody(Operation op, String body) {
        JsonNode rb = op.node().path("requestBody");
        boolean empty = body == null || body.isBlank();
        if (rb.isMissingNode()) {
            return empty ? List.of() : List.of(op.id() + ": the spec describes no request body, but one was sent");
        }
        if (empty) {
            return rb.path("required").asBoolean(false) ? List.of(op.id() + ": the spec requires a JSON request body") : List.of();
        }
        return validate(pointer("paths", op.template(), op.method().toLowerCase(Locale.ROOT), "requestBody", "content",
                "application/json", "schema"), body, op.id() + " request body");
    }

    /** What is wrong with an answer the fake is about to send; empty when it conforms. */
    public List<String> checkResponse(Operation op, int status, String body) {
        JsonNode responses = op.node().path("responses");
        String key = Integer.toString(status);
        if (!responses.has(key)) {
            key = (status / 100) + "xx";
        }
        if (!responses.has(key)) {
            return List.of(op.id() + ": status " + status + " is not a documented answer");
        }
        JsonNode content = responses.path(key).path("content").path("application/json");
        if (content.isMissingNode()) {
            return body == null || body.isEmpty() ? List.of() : List.of(op.id() + ": status " + status + " has no body in the spec");
        }
        return validate(pointer("paths", op.template(), op.method().toLowerCase(Locale.ROOT), "responses", key, "content",
                "application/json", "schema"), body, op.id() + " " + status + " response");
    }

    private List<String> validate(String pointer, String json, String what) {
        Schema schema = schemas.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(BASE + "#" + p)));
        List<String> problems = new ArrayList<>();
        try {
            MAPPER.readTree(json);
        } catch (IOException e) {
            return List.of(what + ": not JSON: " + e.getMessage());
        }
        for (Error error : schema.validate(json, InputFormat.JSON)) {
            problems.add(what + ": " + error.getInstanceLocation() + " " + error.getMessage());
        }
        return problems;
    }

    private static String pointer(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append('/').append(p.replace("~", "~0").replace("/", "~1"));
        }
        return sb.toString();
    }
}
