package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Small helpers to read Hetzner's JSON without nulls leaking into our records. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    static String text(JsonNode node, String field, String fallback) {
        return text(node, field).orElse(fallback);
    }

    static OptionalLong number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.canConvertToLong() ? OptionalLong.empty() : OptionalLong.of(v.asLong());
    }

    static Optional<Instant> instant(JsonNode node, String field) {
        try {
            return text(node, field).map(Instant::parse);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = node.path("labels");
        for (Map.Entry<String, JsonNode> e : l.properties()) {
            labels.put(e.getKey(), e.getValue().asText());
        }
        return Map.copyOf(labels);
    }
}
