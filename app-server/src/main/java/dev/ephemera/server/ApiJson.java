package dev.ephemera.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ephemera.domain.error.EphemeraException;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON in and out of the API: responses are written by one mapper (records, optionals as
 * {@code null}, instants as ISO-8601), and request bodies are read strictly: one JSON object,
 * no duplicate or unknown fields, each field of the type the document promises.
 */
public final class ApiJson {
    public static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new Jdk8Module()).addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    public static final String CONTENT_TYPE = "application/json";

    private ApiJson() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Sends {@code value} as JSON with {@code status}. */
    public static void send(RoutingContext ctx, int status, Object value) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE).end(write(value));
    }

    /** The request body as a JSON object with only {@code allowed} fields; an empty body is an empty object when {@code emptyOk}. */
    public static Body body(RoutingContext ctx, Set<String> allowed, boolean emptyOk) {
        String text = ctx.body() == null ? null : ctx.body().asString();
        if (text == null || text.isBlank()) {
            if (emptyOk) {
                return new Body(MAPPER.createObjectNode());
            }
            throw EphemeraException.invalid("the request needs a JSON object body");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw EphemeraException.invalid("the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        }
        if (!(node instanceof ObjectNode obj)) {
            throw EphemeraException.invalid("the body must be a JSON object, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                unknown.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw EphemeraException.invalid("unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + "; the known fields are " + String.join(", ", new TreeSet<>(allowed)));
        }
        return new Body(obj);
    }

    /** A validated request object; getters check each field's type. */
    public record Body(ObjectNode node) {
        public Optional<String> string(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isTextual()) {
                throw EphemeraException.invalid("field " + field + " must be a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            return Optional.of(v.asText());
        }

        public String requireString(String field) {
            return string(field).filter(s -> !s.isBlank()).orElseThrow(() -> EphemeraException.invalid("field " + field + " is required"));
        }

        public boolean bool(String field, boolean fallback) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw EphemeraException.invalid("field " + field + " must be true or false");
            }
            return v.asBoolean();
        }

        public List<String> strings(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return List.of();
            }
            if (!v.isArray()) {
                throw EphemeraException.invalid("field " + field + " must be an array of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw EphemeraException.invalid("field " + field + " must be an array of strings");
                }
                out.add(e.asText());
            }
            return out;
        }
    }
}
