package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.adapters.vault.VaultClient.CasMismatch;
import dev.ephemera.adapters.vault.VaultClient.Found;
import dev.ephemera.adapters.vault.VaultClient.Gone;
import dev.ephemera.adapters.vault.VaultClient.Read;
import dev.ephemera.adapters.vault.VaultClient.Write;
import dev.ephemera.adapters.vault.VaultClient.Written;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.spi.Health;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP pool state in Vault KV version 2: one key per pool at {@code <mount>/data/<prefix>/pools/<name>}
 * holding the JSON of {@link PoolState#toDocument()}, with Vault's version as the store version
 * and {@code options.cas} as the compare-and-set. When a write's answer is lost, the store reads
 * the key back: if it holds exactly what we wrote, the write happened; if the version has not
 * moved, nothing happened and the write is sent again; otherwise someone else wrote and the
 * caller retries from a fresh read. So a lost answer never leads the allocation rule to hand a
 * second address to the same holder.
 *
 * <p>Deleting a pool writes a tombstone version (with check-and-set) instead of removing the
 * key: Vault compares {@code cas} with the current version only, so after a destroy the counter
 * would restart at 1 and a stale writer holding "version 1" of the old pool could overwrite the
 * new one; a soft delete or a destroy of versions does not move the counter either. A tombstone
 * moves it, so every version ever handed out stays unique.
 */
public final class VaultLeaseStore implements LeaseStore {
    private static final Logger LOG = LoggerFactory.getLogger(VaultLeaseStore.class);
    private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {
    };
    /** Field marking a deleted pool's tombstone version. */
    static final String TOMBSTONE = "ephemeraDeleted";

    private final VaultClient vault;
    private final String folder;
    private final int attempts;
    /**
     * Pools this instance has seen exist. A check-and-set mismatch on one of them means someone
     * else wrote first (an update or a tombstone), so no read is needed to tell it from a pool
     * that never existed; under contention that saves a third of the requests of a lost round.
     */
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    VaultLeaseStore(VaultClient vault) {
        this.vault = vault;
        this.folder = vault.settings().prefix() + "/pools";
        this.attempts = vault.settings().maxRetries() + 1;
    }

    private String key(String pool) {
        PoolDefinition.requireValidName(pool);
        return folder + "/" + pool;
    }

    @Override
    public Optional<Versioned<PoolState>> read(String pool) {
        Read r = vault.read(key(pool));
        if (r instanceof Found f && !isTombstone(f)) {
            seen.add(pool);
            return Optional.of(new Versioned<>(decode(pool, f), f.version()));
        }
        return Optional.empty();
    }

    @Override
    public boolean create(PoolState initial) {
        String key = key(initial.name());
        ObjectNode doc = encode(initial);
        boolean answerLost = false;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Read current = vault.read(key);
            if (current instanceof Found f && !isTombstone(f)) {
                // After a lost answer, finding exactly what we wrote means our write landed.
                return answerLost && decode(initial.name(), f).equals(initial);
            }
            // Over a tombstone (or a version deleted outside Ephemera) the counter goes on from where it is.
            long cas = current instanceof Found f ? f.version() : current instanceof Gone g ? g.version() : 0;
            try {
                Write w = vault.write(key, doc, OptionalLong.of(cas));
                if (w instanceof Written) {
                    seen.add(initial.name());
                    return true;
                }
                answerLost = false; // CAS mismatch: someone else created (or deleted) it meanwhile; look again
            } catch (VaultOutcomeUnknownException e) {
                answerLost = true;
                LOG.info("vault pool create: answer lost, reading back: pool={} cause={}", initial.name(), e.getMessage());
            }
        }
        throw EphemeraException.unavailable("could not create pool '" + initial.name() + "' in Vault after " + attempts
                + " attempts (the key kept changing or answers were lost); retry", null);
    }

    @Override
    public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
        if (!next.name().equals(pool)) {
            throw EphemeraException.invalid("pool state for '" + next.name() + "' cannot be written as pool '" + pool + "'");
        }
        String key = key(pool);
        if (expectedVersion < 1) {
            // Vault versions start at 1; cas=0 would create the pool instead of updating it.
            if (read(pool).isEmpty()) {
                throw EphemeraException.notFound("pool '" + pool + "' does not exist; create it first (ephemera pool create)");
            }
            return false;
        }
        ObjectNode doc = encode(next);
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                Write w = vault.write(key, doc, OptionalLong.of(expectedVersion));
                if (w instanceof Written) {
                    return true;
                }
                if (w instanceof CasMismatch) {
                    if (!seen.contains(pool) && !exists(vault.read(key))) {
                        throw EphemeraException.notFound("pool '" + pool + "' does not exist (it was deleted); create it first (ephemera pool create)");
                    }
                    return false;
                }
            } catch (VaultOutcomeUnknownException lost) {
                Read after;
                try {
                    after = vault.read(key);
                } catch (EphemeraException e) {
                    throw EphemeraException.unavailable("the outcome of writing pool '" + pool + "' is unknown (" + lost.getMessage()
                            + ") and reading it back failed: " + e.getMessage() + "; re-read before retrying", e);
                }
                if (!(after instanceof Found f) || isTombstone(f)) {
                    throw EphemeraException.notFound("pool '" + pool + "' does not exist (it was deleted); create it first (ephemera pool create)");
                }
                if (decode(pool, f).equals(next)) {
                    LOG.info("vault pool write: answer lost but the write landed: pool={} version={}", pool, f.version());
                    return true;
                }
                if (f.version() != expectedVersion) {
                    return false; // someone else wrote after (or instead of) us; the caller starts again from a fresh read
                }
                LOG.info("vault pool write: answer lost and the write did not land; sending it again: pool={} attempt={}", pool, attempt);
            }
        }
        throw EphemeraException.unavailable("the outcome of writing pool '" + pool + "' stayed unknown after " + attempts
                + " attempts (answers lost); re-read before retrying", null);
    }

    @Override
    public List<String> pools() {
        List<String> out = new ArrayList<>();
        for (String k : vault.list(folder)) {
            if (k.endsWith("/")) {
                continue;
            }
            // LIST shows tombstones and keys deleted outside Ephemera too; read() treats those as absent.
            if (exists(vault.read(folder + "/" + k))) {
                out.add(k);
            }
        }
        out.sort(null);
        return List.copyOf(out);
    }

    @Override
    public boolean delete(String pool) {
        String key = key(pool);
        ObjectNode tombstone = VaultHttp.JSON.createObjectNode();
        tombstone.put(TOMBSTONE, true);
        tombstone.put("name", pool);
        boolean answerLost = false;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Read current = vault.read(key);
            if (!exists(current)) {
                // After a lost answer, our own tombstone means the delete happened.
                return answerLost && current instanceof Found f && isTombstone(f);
            }
            try {
                if (vault.write(key, tombstone, OptionalLong.of(((Found) current).version())) instanceof Written) {
                    seen.remove(pool);
                    return true;
                }
                answerLost = false; // someone wrote meanwhile: look again
            } catch (VaultOutcomeUnknownException e) {
                answerLost = true;
            }
        }
        throw EphemeraException.unavailable("could not delete pool '" + pool + "' in Vault after " + attempts
                + " attempts (the key kept changing or answers were lost); retry", null);
    }

    private static boolean exists(Read r) {
        return r instanceof Found f && !isTombstone(f);
    }

    private static boolean isTombstone(Found f) {
        return f.data().path(TOMBSTONE).asBoolean(false);
    }

    @Override
    public Health health() {
        return vault.health();
    }

    private static ObjectNode encode(PoolState state) {
        return VaultHttp.JSON.valueToTree(state.toDocument());
    }

    private static PoolState decode(String pool, Found f) {
        try {
            Map<String, Object> doc = VaultHttp.JSON.convertValue(f.data(), DOCUMENT);
            PoolState s = PoolState.fromDocument(doc);
            if (!s.name().equals(pool)) {
                throw EphemeraException.invalid("holds pool '" + s.name() + "'");
            }
            return s;
        } catch (IllegalArgumentException | EphemeraException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "the Vault key for pool '" + pool + "' (version " + f.version()
                    + ") is not a pool state written by Ephemera: " + e.getMessage() + "; fix or delete it", e);
        }
    }

    @Override
    public String toString() {
        return "VaultLeaseStore[" + vault.settings().address() + " " + vault.settings().mount() + "/data/" + folder + "]";
    }
}
