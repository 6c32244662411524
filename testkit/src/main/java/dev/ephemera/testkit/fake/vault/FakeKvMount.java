package dev.ephemera.testkit.fake.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One secrets engine mount of type {@code kv}: version 2 (versions, check-and-set, soft delete,
 * destroy, metadata) or version 1 (a plain map that stores whatever body it is given — so an
 * {@code options.cas} there is silently kept as data and checks nothing, as on real Vault).
 * Writes to one key are serialised by a per-key lock, as Vault's {@code locksutil} does.
 */
final class FakeKvMount {
    static final int DEFAULT_MAX_VERSIONS = 10;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    final String path;
    final int version;
    final String accessor;
    final String uuid;
    private final Clock clock;

    volatile boolean casRequired;
    volatile int maxVersions;
    volatile String deleteVersionAfter = "0s";

    private final ConcurrentSkipListMap<String, KeyEntry> keys = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<String, JsonNode> v1 = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    FakeKvMount(String path, int version, String accessor, String uuid, Clock clock) {
        this.path = path;
        this.version = version;
        this.accessor = accessor;
        this.uuid = uuid;
        this.clock = clock;
    }

    /** What Vault keeps per key: the metadata and its versions. */
    static final class KeyEntry {
        long currentVersion;
        long oldestVersion;
        Instant createdTime;
        Instant updatedTime;
        boolean casRequired;
        int maxVersions;
        String deleteVersionAfter = "0s";
        Map<String, String> customMetadata; // null until set, as in Vault
        final TreeMap<Long, VersionEntry> versions = new TreeMap<>();
    }

    static final class VersionEntry {
        final JsonNode data; // null once destroyed
        final Instant createdTime;
        Instant deletionTime;
        boolean destroyed;

        VersionEntry(JsonNode data, Instant createdTime) {
            this.data = data;
            this.createdTime = createdTime;
        }
    }

    /** An outcome: HTTP status and the {@code data} of Vault's response envelope (or its errors). */
    record Outcome(int status, JsonNode data, List<String> errors, List<String> warnings) {
        static Outcome ok(JsonNode data) {
            return new Outcome(200, data, List.of(), List.of());
        }

        static Outcome noContent() {
            return new Outcome(204, null, List.of(), List.of());
        }

        static Outcome notFound() {
            return new Outcome(404, null, List.of(), List.of());
        }

        static Outcome error(int status, String message) {
            return new Outcome(status, null, List.of(message), List.of());
        }

        Outcome withWarning(String w) {
            List<String> ws = new ArrayList<>(warnings);
            ws.add(w);
            return new Outcome(status, data, errors, List.copyOf(ws));
        }
    }

    private ReentrantLock lock(String key) {
        return locks.computeIfAbsent(key, k -> new ReentrantLock());
    }

    boolean exists(String key) {
        return version == 2 ? keys.containsKey(key) : v1.containsKey(key);
    }

    // ---- KV v2 -------------------------------------------------------------------------------

    Outcome readData(String key, long wanted) {
        ReentrantLock l = lock(key);
        l.lock();
        try {
            KeyEntry e = keys.get(key);
            if (e == null) {
                return Outcome.notFound();
            }
            long v = wanted > 0 ? wanted : e.currentVersion;
            VersionEntry ve = e.versions.get(v);
            if (ve == null) {
                return Outcome.notFound();
            }
            ObjectNode out = JSON.objectNode();
            out.set("data", JSON.nullNode());
            out.set("metadata", versionMetadata(e, v, ve));
            boolean deleted = ve.deletionTime != null && ve.deletionTime.isBefore(clock.instant().plusNanos(1));
            if (deleted || ve.destroyed) {
                // Vault answers 404 with the version's metadata, so a client can tell "deleted" from "never existed".
                return new Outcome(404, out, List.of(), List.of());
            }
            out.set("data", ve.data.deepCopy());
            return Outcome.ok(out);
        } finally {
            l.unlock();
        }
    }

    Outcome writeData(String key, JsonNode body) {
        JsonNode data = body.get("data");
        if (data == null || data.isNull()) {
            return Outcome.error(400, "no data provided");
        }
        if (!data.isObject()) {
            return Outcome.error(400, "error converting input for field \"data\": '' expected a map, got '" + kind(data) + "'");
        }
        JsonNode options = body.get("options");
        ReentrantLock l = lock(key);
        l.lock();
        try {
            KeyEntry e = keys.get(key);
            long current = e == null ? 0 : e.currentVersion;
            JsonNode cas = options != null && options.isObject() ? options.get("cas") : null;
            if (cas != null && !cas.isNull()) {
                Optional<Long> parsed = weakInt(cas);
                if (parsed.isEmpty()) {
                    return Outcome.error(400, "error parsing check-and-set parameter");
                }
                if (parsed.get() != current) {
                    return Outcome.error(400, "check-and-set parameter did not match the current version");
                }
            } else if (casRequired || (e != null && e.casRequired)) {
                return Outcome.error(400, "check-and-set parameter required for this call");
            }
            Instant now = clock.instant();
            if (e == null) {
                e = new KeyEntry();
                e.createdTime = now;
                keys.put(key, e);
            }
            e.currentVersion = current + 1;
            e.updatedTime = now;
            VersionEntry ve = new VersionEntry(data.deepCopy(), now);
            e.versions.put(e.currentVersion, ve);
            int keep = e.maxVersions > 0 ? e.maxVersions : maxVersions > 0 ? maxVersions : DEFAULT_MAX_VERSIONS;
            while (e.versions.size() > keep) {
                e.versions.pollFirstEntry();
            }
            e.oldestVersion = e.versions.firstKey();
            if (e.oldestVersion == 1 && e.versions.size() == e.currentVersion) {
                e.oldestVersion = 0; // Vault reports 0 until it has pruned a version
            }
            return Outcome.ok(versionMetadata(e, e.currentVersion, ve));
        } finally {
            l.unlock();
        }
    }

    /** {@code DELETE data/<key>}: soft-deletes the latest version; the version counter stays. */
    Outcome deleteLatest(String key) {
        ReentrantLock l = lock(key);
        l.lock();
        try {
            KeyEntry e = keys.get(key);
            if (e != null) {
                VersionEntry ve = e.versions.get(e.currentVersion);
                if (ve != null && ve.deletionTime == null && !ve.destroyed) {
                    ve.deletionTime = clock.instant();
                }
            }
            return Outcome.noContent();
        } finally {
            l.unlock();
        }
    }

    Outcome softDelete(String key, List<Long> versions) {
        return eachVersion(key, versions, ve -> {
            if (ve.deletionTime == null && !ve.destroyed) {
                ve.deletionTime = clock.instant();
            }
        });
    }

    Outcome undelete(String key, List<Long> versions) {
        return eachVersion(key, versions, ve -> {
            if (!ve.destroyed) {
                ve.deletionTime = null;
            }
        });
    }

    Outcome destroy(String key, List<Long> versions) {
        return eachVersion(key, versions, ve -> ve.destroyed = true);
    }

    private Outcome eachVersion(String key, List<Long> versions, java.util.function.Consumer<VersionEntry> action) {
        if (versions.isEmpty()) {
            return Outcome.error(400, "no version number provided");
        }
        ReentrantLock l = lock(key);
        l.lock();
        try {
            KeyEntry e = keys.get(key);
            if (e != null) {
                for (Long v : versions) {
                    VersionEntry ve = e.versions.get(v);
                    if (ve != null) {
                        action.accept(ve);
                    }
                }
            }
            return Outcome.noContent();
        } finally {
            l.unlock();
        }
    }

    Outcome readMetadata(String key) {
        ReentrantLock l = lock(key);
        l.lock();
        try {
            KeyEntry e = keys.get(key);
            if (e == null) {
                return Outcome.notFound();
            }
            ObjectNode out = JSON.objectNode();
            out.put("cas_required", e.casRequired);
            out.put("created_time", time(e.createdTime));
            out.put("current_version", e.currentVersion);
            out.set("custom_metadata", e.customMetadata == null ? JSON.nullNode() : JSON.pojoNode(e.customMetadata));
            out.put("delete_version_after", e.deleteVersionAfter);
            out.put("max_versions", e.maxVersions);
            out.put("oldest_version", e.oldestVersion);
            out.put("updated_time", time(e.updatedTime));
            ObjectNode vs = out.putObject("versions");
            for (Map.Entry<Long, VersionEntry> v : e.versions.entrySet()) {
                ObjectNode m = vs.putObject(Long.toString(v.getKey()));
                m.put("created_time", time(v.getValue().createdTime));
                m.put("deletion_time", time(v.getValue().deletionTime));
                m.put("destroyed", v.getValue().destroyed);
            }
            return Outcome.ok(out);
        } finally {
            l.unlock();
        }
    }

    Outcome writeMetadata(String key, JsonNode body) {
        ReentrantLock l = lock(key);
        l.lock();
        try {
            boolean any = body.has("max_versions") || body.has("cas_required") || body.has("delete_version_after") || body.has("custom_metadata");
            if (!any) {
                return Outcome.noContent();
            }
            KeyEntry e = keys.get(key);
            if (e == null) {
                e = new KeyEntry();
                e.createdTime = clock.instant();
                e.updatedTime = e.createdTime;
                keys.put(key, e);
            }
            if (body.has("max_versions")) {
                e.maxVersions = body.get("max_versions").asInt();
            }
            if (body.has("cas_required")) {
                e.casRequired = body.get("cas_required").asBoolean();
            }
            if (body.has("delete_version_after")) {
                e.deleteVersionAfter = body.get("delete_version_after").asText();
            }
            if (body.has("custom_metadata") && body.get("custom_metadata").isObject()) {
                Map<String, String> cm = new LinkedHashMap<>();
                body.get("custom_metadata").properties().forEach(f -> cm.put(f.getKey(), f.getValue().asText()));
                e.customMetadata = cm;
            }
            Outcome out = Outcome.noContent();
            if (body.has("cas_required") && casRequired && !body.get("cas_required").asBoolean()) {
                out = new Outcome(200, JSON.objectNode(), List.of(), List.of())
                        .withWarning("\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.");
            }
            return out;
        } finally {
            l.unlock();
        }
    }

    /** {@code DELETE metadata/<key>}: removes the key, every version and its history. */
    Outcome deleteMetadata(String key) {
        ReentrantLock l = lock(key);
        l.lock();
        try {
            keys.remove(key);
            return Outcome.noContent();
        } finally {
            l.unlock();
        }
    }

    /** Immediate children of {@code prefix} (which is empty or ends in '/'), folders with a trailing '/'. */
    Outcome list(String prefix) {
        NavigableMap<String, ?> source = version == 2 ? keys : v1;
        TreeSet<String> out = new TreeSet<>();
        for (String k : source.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            String rest = k.substring(prefix.length());
            int slash = rest.indexOf('/');
            out.add(slash < 0 ? rest : rest.substring(0, slash + 1));
        }
        if (out.isEmpty()) {
            return Outcome.notFound();
        }
        ObjectNode data = JSON.objectNode();
        data.set("keys", JSON.pojoNode(List.copyOf(out)));
        return Outcome.ok(data);
    }

    Outcome readConfig() {
        ObjectNode out = JSON.objectNode();
        out.put("cas_required", casRequired);
        out.put("delete_version_after", deleteVersionAfter);
        out.put("max_versions", maxVersions);
        return Outcome.ok(out);
    }

    Outcome writeConfig(JsonNode body) {
        if (body.has("cas_required")) {
            casRequired = body.get("cas_required").asBoolean();
        }
        if (body.has("max_versions")) {
            maxVersions = body.get("max_versions").asInt();
        }
        if (body.has("delete_version_after")) {
            deleteVersionAfter = body.get("delete_version_after").asText();
        }
        return Outcome.noContent();
    }

    /** The current data of a key, for tests that read back what a client wrote. */
    Optional<JsonNode> current(String key) {
        if (version == 1) {
            return Optional.ofNullable(v1.get(key)).map(JsonNode::deepCopy);
        }
        Outcome o = readData(key, 0);
        return o.status() == 200 ? Optional.of(o.data().get("data")) : Optional.empty();
    }

    Optional<KeyEntry> entry(String key) {
        return Optional.ofNullable(keys.get(key));
    }

    // ---- KV v1 -------------------------------------------------------------------------------

    Outcome v1Read(String key) {
        JsonNode v = v1.get(key);
        return v == null ? Outcome.notFound() : Outcome.ok(v.deepCopy());
    }

    Outcome v1Write(String key, JsonNode body) {
        if (!body.isObject()) {
            return Outcome.error(400, "data must be a JSON object");
        }
        v1.put(key, body.deepCopy());
        return Outcome.noContent();
    }

    Outcome v1Delete(String key) {
        v1.remove(key);
        return Outcome.noContent();
    }

    // ---- helpers -----------------------------------------------------------------------------

    private ObjectNode versionMetadata(KeyEntry e, long v, VersionEntry ve) {
        ObjectNode m = JSON.objectNode();
        m.put("created_time", time(ve.createdTime));
        m.set("custom_metadata", e.customMetadata == null ? JSON.nullNode() : JSON.pojoNode(e.customMetadata));
        m.put("deletion_time", time(ve.deletionTime));
        m.put("destroyed", ve.destroyed);
        m.put("version", v);
        return m;
    }

    static String time(Instant t) {
        return t == null ? "" : t.toString();
    }

    /** Vault decodes {@code cas} with mapstructure's WeakDecode: numbers, numeric strings, booleans. */
    static Optional<Long> weakInt(JsonNode n) {
        if (n.isIntegralNumber()) {
            return Optional.of(n.asLong());
        }
        if (n.isNumber()) {
            return Optional.of((long) n.asDouble());
        }
        if (n.isBoolean()) {
            return Optional.of(n.asBoolean() ? 1L : 0L);
        }
        if (n.isTextual()) {
            String t = n.asText().trim();
            if (t.isEmpty()) {
                return Optional.of(0L);
            }
            try {
                return Optional.of(Long.parseLong(t));
            } catch (NumberFormatException ex) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static String kind(JsonNode n) {
        return n.isTextual() ? "string" : n.isArray() ? "[]interface {}" : n.isNumber() ? "json.Number" : n.isBoolean() ? "bool" : "unknown";
    }
}
