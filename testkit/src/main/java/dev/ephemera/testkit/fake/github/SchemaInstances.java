package dev.ephemera.testkit.fake.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Builds a small instance of an OpenAPI schema from the spec itself: every required property,
 * filled from the spec's own {@code example} where it gives one, else the first enum value or a
 * value of the right type and format. Used to make webhook payloads that GitHub's schemas accept,
 * which tests then adjust field by field.
 */
final class SchemaInstances {
    private static final int MAX_DEPTH = 16;
    private final GitHubSpec spec;
    private final JsonNodeFactory f = JsonNodeFactory.instance;

    SchemaInstances(GitHubSpec spec) {
        this.spec = spec;
    }

    JsonNode instanceOf(String component) {
        return build(spec.at("#/components/schemas/" + component), 0);
    }

    private JsonNode build(JsonNode schema, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("schema nests deeper than " + MAX_DEPTH + " through required properties");
        }
        if (schema.has("$ref")) {
            return build(spec.at(schema.get("$ref").asText()), depth + 1);
        }
        if (schema.has("allOf")) {
            ObjectNode merged = f.objectNode();
            for (JsonNode part : schema.get("allOf")) {
                JsonNode v = build(part, depth + 1);
                if (v.isObject()) {
                    merged.setAll((ObjectNode) v);
                }
            }
            return merged;
        }
        for (String alt : new String[] {"oneOf", "anyOf"}) {
            if (schema.has(alt)) {
                return build(schema.get(alt).get(0), depth + 1);
            }
        }
        if (schema.has("enum")) {
            for (JsonNode e : schema.get("enum")) {
                if (!e.isNull()) {
                    return e.deepCopy();
                }
            }
        }
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "string");
        JsonNode example = schema.get("example");
        switch (type) {
            case "object": {
                ObjectNode o = f.objectNode();
                JsonNode props = schema.path("properties");
                for (JsonNode req : schema.path("required")) {
                    JsonNode p = props.path(req.asText());
                    o.set(req.asText(), p.isMissingNode() ? f.textNode("x") : build(p, depth + 1));
                }
                return o;
            }
            case "array": {
                ArrayNode a = f.arrayNode();
                int min = schema.path("minItems").asInt(0);
                for (int i = 0; i < min; i++) {
                    a.add(build(schema.path("items"), depth + 1));
                }
                return a;
            }
            case "integer":
                return example != null && example.isIntegralNumber() ? example.deepCopy() : f.numberNode(Math.max(1, schema.path("minimum").asLong(1)));
            case "number":
                return example != null && example.isNumber() ? example.deepCopy() : f.numberNode(1);
            case "boolean":
                return example != null && example.isBoolean() ? example.deepCopy() : f.booleanNode(false);
            default:
                return string(schema, example);
        }
    }

    private JsonNode string(JsonNode schema, JsonNode example) {
        String format = schema.path("format").asText("");
        switch (format) {
            case "date-time":
                return f.textNode("2024-05-01T12:00:00Z");
            case "uri":
                return f.textNode(example != null && example.isTextual() && example.asText().startsWith("http") ? example.asText() : "https://github.com/x");
            case "email":
                return f.textNode("octocat@github.com");
            default:
                break;
        }
        if (example != null && example.isTextual()) {
            return f.textNode(example.asText());
        }
        return f.textNode("x");
    }

    /** Sets {@code value} at a dotted path (e.g. {@code pull_request.head.sha}), creating objects on the way. */
    static void set(ObjectNode root, String dotted, JsonNode value) {
        String[] parts = dotted.split("\\.");
        ObjectNode at = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = at.get(parts[i]);
            if (!(next instanceof ObjectNode)) {
                next = at.putObject(parts[i]);
            }
            at = (ObjectNode) next;
        }
        at.set(parts[parts.length - 1], value);
    }

    static void setAll(ObjectNode root, Map<String, JsonNode> values) {
        values.forEach((k, v) -> set(root, k, v));
    }
}
