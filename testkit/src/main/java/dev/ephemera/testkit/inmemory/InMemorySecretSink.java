package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Test double: a {@link SecretSink} in a map that can be read back. Never registered for production use. */
public final class InMemorySecretSink implements SecretSink {
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();

    @Override
    public void put(SecretAddress address, Secret value) {
        if (!address.name().matches("[A-Za-z0-9._-]+")) {
            throw EphemeraException.invalid("secret name '" + address.name() + "' is invalid");
        }
        secrets.put(address.toString(), value);
    }

    @Override
    public void delete(SecretAddress address) {
        secrets.remove(address.toString());
    }

    public Optional<Secret> read(SecretAddress address) {
        return Optional.ofNullable(secrets.get(address.toString()));
    }

    public int size() {
        return secrets.size();
    }
}
