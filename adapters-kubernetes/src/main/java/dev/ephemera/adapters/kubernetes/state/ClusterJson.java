package dev.ephemera.adapters.kubernetes.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.cluster.LeaseRef;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.cluster.TimelineEvent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Cluster records as JSON, written field by field so the stored form is ours to keep stable
 * and does not shift when a record component is renamed. Absent optionals are left out,
 * instants are ISO-8601 text (nanoseconds kept), the version lives beside it in the ConfigMap (a copy of adapters-embedded's codec: adapters do not depend on each other).
 */
final class ClusterJson {
    /** Bumped when the document changes incompatibly; readers refuse documents newer than they know. */
    static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterJson() {
    }

    static String write(Cluster c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("id", c.id().value());
        c.owner().ifPresent(o -> {
            ObjectNode on = n.putObject("owner");
            on.put("repository", o.repository());
            o.pullRequest().ifPresent(pr -> on.put("pullRequest", pr));
        });
        n.put("backend", c.backend());
        ObjectNode spec = n.putObject("spec");
        c.spec().kubernetesVersion().ifPresent(v -> spec.put("kubernetesVersion", v));
        c.spec().size().ifPresent(v -> spec.put("size", v));
        c.spec().location().ifPresent(v -> spec.put("location", v));
        ObjectNode labels = spec.putObject("labels");
        c.spec().labels().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> labels.put(e.getKey(), e.getValue()));
        ArrayNode addons = spec.putArray("addons");
        c.spec().addons().forEach(addons::add);
        if (!c.spec().loadImages().isEmpty()) {
            ArrayNode loadImages = spec.putArray("loadImages");
            c.spec().loadImages().forEach(loadImages::add);
        }
        n.put("phase", c.phase().name());
        n.put("phaseSince", c.phaseSince().toString());
        c.endpoint().ifPresent(e -> {
            ObjectNode en = n.putObject("endpoint");
            en.put("apiUrl", e.apiUrl().toString());
            e.dnsName().ifPresent(d -> en.put("dnsName", d));
            e.ipAddress().ifPresent(ip -> en.put("ipAddress", ip));
        });
        c.lease().ifPresent(l -> {
            ObjectNode ln = n.putObject("lease");
            ln.put("pool", l.pool());
            ln.put("address", l.address());
        });
        c.backendRef().ifPresent(r -> {
            ObjectNode rn = n.putObject("backendRef");
            rn.put("backend", r.backend());
            rn.put("id", r.id());
        });
        n.put("createdAt", c.createdAt().toString());
        c.readyAt().ifPresent(t -> n.put("readyAt", t.toString()));
        n.put("expiresAt", c.expiresAt().toString());
        c.deleteAfter().ifPresent(t -> n.put("deleteAfter", t.toString()));
        c.failureReason().ifPresent(r -> n.put("failureReason", r));
        n.put("keepOnFailure", c.keepOnFailure());
        ArrayNode sinks = n.putArray("sinks");
        for (SinkTarget t : c.sinks()) {
            ObjectNode sn = sinks.addObject();
            sn.put("sink", t.sink());
            sn.put("scope", t.scope());
            t.environment().ifPresent(env -> sn.put("environment", env));
            sn.put("name", t.name());
        }
        c.heartbeat().ifPresent(h -> n.put("heartbeat", h.toString()));
        c.lastRenewedAt().ifPresent(t -> n.put("lastRenewedAt", t.toString()));
        ArrayNode timeline = n.putArray("timeline");
        for (TimelineEvent e : c.timeline()) {
            ObjectNode tn = timeline.addObject();
            tn.put("at", e.at().toString());
            tn.put("phase", e.phase().name());
            tn.put("message", e.message());
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always encodes", e);
        }
    }

    /**
     * Reads a stored document back into a record with {@code version}.
     *
     * @throws IllegalArgumentException naming the field, when the document is malformed
     */
    static Cluster read(String json, long version) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        int format = n.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IllegalArgumentException("record format " + format + " is not the one this Ephemera reads (" + FORMAT + ")");
        }
        JsonNode spec = object(n, "spec");
        Map<String, String> labels = new LinkedHashMap<>();
        object(spec, "labels").properties().forEach(e -> labels.put(e.getKey(), text(e.getValue(), "spec.labels." + e.getKey())));
        List<String> addons = new ArrayList<>();
        array(spec, "addons").forEach(a -> addons.add(text(a, "spec.addons[]")));
        List<String> loadImages = new ArrayList<>();
        if (spec.has("loadImages")) {
            array(spec, "loadImages").forEach(a -> loadImages.add(text(a, "spec.loadImages[]")));
        }
        List<SinkTarget> sinks = new ArrayList<>();
        for (JsonNode s : array(n, "sinks")) {
            sinks.add(new SinkTarget(required(s, "sink"), required(s, "scope"), optional(s, "environment"), required(s, "name")));
        }
        List<TimelineEvent> timeline = new ArrayList<>();
        for (JsonNode t : array(n, "timeline")) {
            timeline.add(new TimelineEvent(instant(t, "at"), Phase.valueOf(required(t, "phase")), required(t, "message")));
        }
        return new Cluster(
                ClusterId.of(required(n, "id")),
                optionalObject(n, "owner").map(o -> new Owner(required(o, "repository"),
                        o.hasNonNull("pullRequest") ? Optional.of(integer(o, "pullRequest")) : Optional.empty())),
                required(n, "backend"),
                new ClusterSpec(optional(spec, "kubernetesVersion"), optional(spec, "size"), optional(spec, "location"), labels, addons, loadImages),
                Phase.valueOf(required(n, "phase")),
                instant(n, "phaseSince"),
                optionalObject(n, "endpoint").map(e -> new Endpoint(URI.create(required(e, "apiUrl")), optional(e, "dnsName"), optional(e, "ipAddress"))),
                optionalObject(n, "lease").map(l -> new LeaseRef(required(l, "pool"), required(l, "address"))),
                optionalObject(n, "backendRef").map(r -> new BackendRef(required(r, "backend"), required(r, "id"))),
                instant(n, "createdAt"),
                optional(n, "readyAt").map(parseInstant("readyAt")),
                instant(n, "expiresAt"),
                optional(n, "deleteAfter").map(parseInstant("deleteAfter")),
                optional(n, "failureReason"),
                bool(n, "keepOnFailure"),
                sinks,
                timeline,
                optional(n, "heartbeat").map(ClusterJson::parseDuration),
                optional(n, "lastRenewedAt").map(parseInstant("lastRenewedAt")),
                version);
    }

    private static String required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("field '" + field + "' is missing");
        }
        return text(v, field);
    }

    private static Optional<String> optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(text(v, field));
    }

    private static String text(JsonNode v, String field) {
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be text");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be a whole number");
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException("field '" + field + "' must be true or false");
        }
        return v.asBoolean();
    }

    private static Instant instant(JsonNode n, String field) {
        return parseInstant(field).apply(required(n, field));
    }

    private static Function<String, Instant> parseInstant(String field) {
        return s -> {
            try {
                return Instant.parse(s);
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("field '" + field + "' is not an ISO-8601 instant: " + s, e);
            }
        };
    }

    private static Duration parseDuration(String s) {
        try {
            return Duration.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("field 'heartbeat' is not an ISO-8601 duration: " + s, e);
        }
    }

    private static JsonNode object(JsonNode n, String field) {
        return optionalObject(n, field).orElseThrow(() -> new IllegalArgumentException("field '" + field + "' is missing"));
    }

    private static Optional<JsonNode> optionalObject(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw new IllegalArgumentException("field '" + field + "' must be an object");
        }
        return Optional.of(v);
    }

    private static Iterable<JsonNode> array(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("field '" + field + "' must be a list");
        }
        return v;
    }
}
