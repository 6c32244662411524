package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A KV version 2 client over {@link VaultSession}: read and write with {@code options.cas},
 * metadata, LIST, destroy. Reads tell a key that never existed from one whose current version
 * was deleted or destroyed (Vault's 404 body carries the version's metadata); writes tell a
 * check-and-set mismatch from every other refusal.
 */
final class VaultClient {
    private final VaultSettings settings;
    private final VaultHttp http;
    private final VaultSession session;
    private final String mount;
    private volatile boolean mountVerified;
    private final java.util.concurrent.atomic.AtomicInteger mountChecks = new java.util.concurrent.atomic.AtomicInteger();

    VaultClient(VaultSettings settings, Clock clock, RetryPolicy policy, Sleeper sleeper) {
        this.settings = settings;
        this.http = new VaultHttp(settings, policy, sleeper);
        this.session = new VaultSession(http, VaultLogin.from(settings), clock);
        this.mount = settings.mount();
    }

    static VaultClient connect(VaultSettings settings) {
        VaultClient c = new VaultClient(settings, Clock.systemUTC(), VaultHttp.policy(settings), Sleeper.SYSTEM);
        c.start();
        return c;
    }

    /**
     * Logs in (AppRole, Kubernetes); a fixed token is used as it is. The mount is not asked about
     * here: a KV version 2 mount proves itself in every answer (a version in each read and write),
     * so {@link #checkKvVersion2} runs only when an answer lacks one, and then fails with what to
     * fix. A short command thus makes only the requests of its work, like a curl script: a pool
     * allocation is one read and one check-and-set write.
     */
    void start() {
        session.start();
    }

    /** Runs the full mount check once, after an answer that a KV version 2 mount would not give; throws if the mount is wrong. */
    private void mountLooksWrong() {
        if (!mountVerified) {
            checkKvVersion2();
            mountVerified = true;
        }
    }

    /** Vault's answer to a path under a mount that does not exist. */
    private static boolean noRoute(VaultResponse r) {
        return r.status() == 404 && r.mentions("no handler for route");
    }

    /** How often the mount was checked (tests). */
    int mountChecks() {
        return mountChecks.get();
    }

    VaultSettings settings() {
        return settings;
    }

    VaultSession session() {
        return session;
    }

    long httpRetries() {
        return http.retries();
    }

    // ---- results -----------------------------------------------------------------------------

    /** What a read of {@code data/<path>} found. */
    sealed interface Read {
    }

    /** The current version's data. */
    record Found(ObjectNode data, long version) implements Read {
    }

    /** The key exists but its current version was deleted (soft) or destroyed; writing again needs {@code cas=version}. */
    record Gone(long version, boolean destroyed) implements Read {
    }

    /** No such key, or a key with metadata but no version yet. */
    record Absent() implements Read {
    }

    /** What a write did. */
    sealed interface Write {
    }

    record Written(long version) implements Write {
    }

    /** {@code options.cas} did not match the key's current version: someone else wrote first. */
    record CasMismatch() implements Write {
    }

    /** A key's metadata. */
    record Metadata(long currentVersion, long oldestVersion, Map<Long, VersionInfo> versions) {
        /** Whether the current version is readable (not deleted, not destroyed). */
        boolean currentIsLive() {
            VersionInfo v = versions.get(currentVersion);
            return v != null && v.live();
        }
    }

    record VersionInfo(String deletionTime, boolean destroyed) {
        boolean live() {
            return deletionTime.isEmpty() && !destroyed;
        }
    }

    // ---- KV v2 -------------------------------------------------------------------------------

    Read read(String path) {
        String p = mount + "/data/" + path;
        VaultResponse r = session.call("GET", p, Optional.empty(), true);
        if (r.status() == 200) {
            JsonNode data = r.data().path("data");
            long version = r.data().path("metadata").path("version").asLong(-1);
            if (!data.isObject() || version < 1) {
                mountLooksWrong();
                throw new EphemeraException(ErrorCode.BACKEND, "Vault's answer to GET /v1/" + p + " has no data or version; is " + mount
                        + " a KV version 2 mount?");
            }
            return new Found((ObjectNode) data, version);
        }
        if (noRoute(r)) {
            mountLooksWrong();
        }
        if (r.status() == 404) {
            JsonNode meta = r.data().path("metadata");
            if (meta.isObject() && meta.path("version").asLong(0) > 0) {
                return new Gone(meta.path("version").asLong(), meta.path("destroyed").asBoolean(false));
            }
            return new Absent();
        }
        throw VaultErrors.of("read " + path, "GET", p, "read", r, r.attempts());
    }

    /**
     * Writes a new version. With {@code cas} present, Vault writes only if the key's current
     * version equals it (0: only if the key has no version).
     *
     * @throws VaultOutcomeUnknownException when the answer was lost: read back before deciding
     */
    Write write(String path, ObjectNode data, OptionalLong cas) {
        String p = mount + "/data/" + path;
        ObjectNode body = VaultHttp.JSON.createObjectNode();
        body.set("data", data);
        if (cas.isPresent()) {
            body.putObject("options").put("cas", cas.getAsLong());
        }
        VaultResponse r = session.call("POST", p, Optional.of(body), false);
        if (r.status() == 200 || r.status() == 204) {
            long version = r.data().path("version").asLong(0);
            if (version < 1) {
                // KV version 1 answers a write without a version (and ignored options.cas): refuse it now.
                mountLooksWrong();
                throw new EphemeraException(ErrorCode.BACKEND, "Vault's answer to POST /v1/" + p + " has no version; is " + mount
                        + " a KV version 2 mount?");
            }
            return new Written(version);
        }
        if (noRoute(r)) {
            mountLooksWrong();
        }
        if (r.status() == 400 && r.mentions(VaultErrors.CAS_MISMATCH)) {
            return new CasMismatch();
        }
        if (r.status() >= 500 && r.status() != 503) {
            throw new VaultOutcomeUnknownException("Vault answered " + r.status() + " to POST /v1/" + p + " (" + r.errorsText()
                    + "); it may or may not have applied the write", null);
        }
        throw VaultErrors.of("write " + path, "POST", p, "create/update", r, r.attempts());
    }

    Optional<Metadata> metadata(String path) {
        String p = mount + "/metadata/" + path;
        VaultResponse r = session.call("GET", p, Optional.empty(), true);
        if (r.status() == 404) {
            mountLooksWrong(); // a KV version 1 mount has no metadata/ paths: "none" would be a wrong answer there
            return Optional.empty();
        }
        if (r.status() != 200) {
            throw VaultErrors.of("read the metadata of " + path, "GET", p, "read", r, r.attempts());
        }
        JsonNode d = r.data();
        Map<Long, VersionInfo> versions = new TreeMap<>();
        d.path("versions").properties().forEach(e -> {
            try {
                versions.put(Long.parseLong(e.getKey()),
                        new VersionInfo(e.getValue().path("deletion_time").asText(""), e.getValue().path("destroyed").asBoolean(false)));
            } catch (NumberFormatException ignored) {
                // not a version number: nothing we can use
            }
        });
        return Optional.of(new Metadata(d.path("current_version").asLong(0), d.path("oldest_version").asLong(0), versions));
    }

    /** Keys directly under {@code folder} (folders end in '/'); empty if there are none. */
    List<String> list(String folder) {
        String p = mount + "/metadata/" + (folder.endsWith("/") ? folder : folder + "/");
        VaultResponse r = session.call("LIST", p, Optional.empty(), true);
        if (r.status() == 404) {
            mountLooksWrong(); // likewise: an empty list from a KV version 1 mount would hide that nothing works
            return List.of();
        }
        if (r.status() != 200) {
            throw VaultErrors.of("list " + folder, "LIST", p, "list", r, r.attempts());
        }
        List<String> keys = new ArrayList<>();
        r.data().path("keys").forEach(k -> keys.add(k.asText()));
        return keys;
    }

    /** Removes the key with every version and its metadata ({@code DELETE metadata/<path>}). */
    void destroyAll(String path) {
        String p = mount + "/metadata/" + path;
        VaultResponse r = session.call("DELETE", p, Optional.empty(), true);
        if (!r.ok() && r.status() != 404) {
            throw VaultErrors.of("delete " + path + " with all its versions", "DELETE", p, "delete", r, r.attempts());
        }
    }

    /** Permanently destroys the given versions' data ({@code POST destroy/<path>}). */
    void destroyVersions(String path, List<Long> versions) {
        if (versions.isEmpty()) {
            return;
        }
        String p = mount + "/destroy/" + path;
        ObjectNode body = VaultHttp.JSON.createObjectNode();
        ArrayNode vs = body.putArray("versions");
        versions.forEach(vs::add);
        VaultResponse r = session.call("POST", p, Optional.of(body), true);
        if (!r.ok()) {
            throw VaultErrors.of("destroy old versions of " + path, "POST", p, "update", r, r.attempts());
        }
    }

    // ---- start-up and health -----------------------------------------------------------------

    /**
     * Refuses a mount that is not KV version 2: on version 1, {@code options.cas} is stored as
     * data and checks nothing, so two allocators could take the same address. Asks
     * {@code sys/mounts/<mount>}, then the unprivileged {@code sys/internal/ui/mounts/<mount>}
     * (what the Vault CLI uses), then {@code <mount>/config}, which exists only on version 2.
     */
    void checkKvVersion2() {
        mountChecks.incrementAndGet();
        VaultResponse r = session.call("GET", "sys/mounts/" + mount, Optional.empty(), true);
        if (r.status() == 400 && r.mentions("no secret engine mount")) {
            throw noMount();
        }
        if (r.status() != 200) {
            r = session.call("GET", "sys/internal/ui/mounts/" + mount, Optional.empty(), true);
        }
        if (r.status() == 200) {
            JsonNode d = r.data().isObject() ? r.data() : r.body();
            String type = d.path("type").asText("");
            String version = d.path("options").path("version").asText("1");
            if (!type.equals("kv") && !type.equals("generic")) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.mount '" + mount + "' is a " + (type.isEmpty() ? "unknown" : type)
                        + " secrets engine, not KV; point vault.mount at a KV version 2 mount");
            }
            if (!version.equals("2")) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.mount '" + mount + "' is KV version " + version
                        + ", where check-and-set is silently ignored, so concurrent allocations could collide; upgrade it with "
                        + "'vault kv enable-versioning " + mount + "/' or use a KV version 2 mount");
            }
            return;
        }
        VaultResponse config = session.call("GET", mount + "/config", Optional.empty(), true);
        if (config.status() == 200 && config.data().has("max_versions") && config.data().has("cas_required")) {
            return;
        }
        if (r.status() == 403 && config.status() == 403) {
            throw new EphemeraException(ErrorCode.PERMISSION_DENIED, "cannot check that vault.mount '" + mount
                    + "' is KV version 2: the token may read none of sys/mounts/" + mount + ", sys/internal/ui/mounts/" + mount + " or " + mount
                    + "/config; add to its policy: path \"" + mount + "/config\" { capabilities = [\"read\"] }");
        }
        if (r.status() == 403 || r.status() == 404) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.mount '" + mount + "' is not a KV version 2 mount (" + mount
                    + "/config answered " + config.status() + "); enable one with 'vault secrets enable -path=" + mount + " kv-v2'");
        }
        throw VaultErrors.of("check the mount " + mount, "GET", "sys/internal/ui/mounts/" + mount, "read", r, r.attempts());
    }

    private EphemeraException noMount() {
        return new EphemeraException(ErrorCode.CONFIGURATION, "there is no secrets engine at vault.mount '" + mount + "'"
                + settings.namespace().map(n -> " in namespace " + n).orElse("") + "; enable one with 'vault secrets enable -path=" + mount + " kv-v2'");
    }

    /** Up when Vault is unsealed and answers; never throws. */
    Health health() {
        try {
            VaultResponse r = http.sendOnce("GET", "sys/health");
            return switch (r.status()) {
                case 200 -> Health.up("vault at " + http.base() + " is unsealed and active");
                case 429 -> Health.up("vault at " + http.base() + " is a standby node");
                case 503 -> Health.down("vault at " + http.base() + " is sealed");
                default -> Health.down("vault at " + http.base() + " answered " + r.status() + " to sys/health");
            };
        } catch (RuntimeException e) {
            return Health.down("vault at " + http.base() + " is unreachable: " + e.getMessage());
        }
    }
}
