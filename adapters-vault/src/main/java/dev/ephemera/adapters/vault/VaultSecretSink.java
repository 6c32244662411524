package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.adapters.vault.VaultClient.Found;
import dev.ephemera.adapters.vault.VaultClient.Gone;
import dev.ephemera.adapters.vault.VaultClient.Read;
import dev.ephemera.adapters.vault.VaultClient.Write;
import dev.ephemera.adapters.vault.VaultClient.Written;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.spi.Health;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Puts secrets (a cluster's kubeconfig) into Vault KV version 2: one key per cluster at the
 * {@code secret-path} template ({@code {cluster}} is the address scope), the secret's name as
 * the field inside it. Every write is a read-modify-write with check-and-set, so other fields
 * survive and {@code cas_required} mounts work. Deleting the last field destroys every version;
 * deleting one of several destroys the older versions that still hold it.
 */
public final class VaultSecretSink implements SecretSink {
    /** A field name inside the KV data: what CI tools accept as a variable or file name. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private final VaultClient vault;
    private final int attempts;

    VaultSecretSink(VaultClient vault) {
        this.vault = vault;
        this.attempts = vault.settings().maxRetries() + 1;
    }

    /** The KV path (inside the mount) where an address's secret lives. */
    String pathOf(SecretAddress address) {
        return vault.settings().secretPathFor(address.scope());
    }

    private static String fieldOf(SecretAddress address) {
        String name = address.name();
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw EphemeraException.invalid("secret name '" + name + "' is invalid for Vault: use 1-128 letters, digits and _.- starting with a letter, digit or _");
        }
        return name;
    }

    @Override
    public void put(SecretAddress address, Secret value) {
        String path = pathOf(address);
        String field = fieldOf(address);
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Read current = vault.read(path);
            ObjectNode data;
            long cas;
            if (current instanceof Found f) {
                JsonNode existing = f.data().get(field);
                if (existing != null && existing.isTextual() && Secret.of(existing.asText()).equals(value)) {
                    return; // already there: no new version
                }
                data = f.data().deepCopy();
                cas = f.version();
            } else {
                data = VaultHttp.JSON.createObjectNode();
                cas = current instanceof Gone g ? g.version() : vault.metadata(path).map(VaultClient.Metadata::currentVersion).orElse(0L);
            }
            data.put(field, value.reveal());
            try {
                Write w = vault.write(path, data, OptionalLong.of(cas));
                if (w instanceof Written) {
                    return;
                }
            } catch (VaultOutcomeUnknownException e) {
                // read again: if the value is there, the write landed
            }
        }
        throw new EphemeraException(ErrorCode.CONFLICT, "could not write secret " + field + " to Vault at " + vault.settings().mount() + "/data/" + path
                + " after " + attempts + " attempts: the key kept changing under us; retry");
    }

    @Override
    public void delete(SecretAddress address) {
        String path = pathOf(address);
        String field = fieldOf(address);
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Read current = vault.read(path);
            if (!(current instanceof Found f)) {
                if (vault.metadata(path).isPresent()) {
                    vault.destroyAll(path); // only deleted or destroyed versions remain; leave nothing behind
                }
                return;
            }
            ObjectNode rest = f.data().deepCopy();
            boolean had = rest.remove(field) != null;
            if (rest.isEmpty()) {
                vault.destroyAll(path);
                return;
            }
            if (!had) {
                return;
            }
            try {
                Write w = vault.write(path, rest, OptionalLong.of(f.version()));
                if (w instanceof Written written) {
                    destroyVersionsBefore(path, written.version());
                    return;
                }
            } catch (VaultOutcomeUnknownException e) {
                // read again and decide
            }
        }
        throw new EphemeraException(ErrorCode.CONFLICT, "could not remove secret " + field + " from Vault at " + vault.settings().mount() + "/data/" + path
                + " after " + attempts + " attempts: the key kept changing under us; retry");
    }

    private void destroyVersionsBefore(String path, long version) {
        Optional<VaultClient.Metadata> meta = vault.metadata(path);
        List<Long> old = new ArrayList<>();
        meta.ifPresent(m -> m.versions().forEach((v, info) -> {
            if (v < version && !info.destroyed()) {
                old.add(v);
            }
        }));
        vault.destroyVersions(path, old);
    }

    @Override
    public Health health() {
        return vault.health();
    }

    @Override
    public String toString() {
        return "VaultSecretSink[" + vault.settings().address() + " " + vault.settings().mount() + "/data/" + vault.settings().secretPath() + "]";
    }
}
