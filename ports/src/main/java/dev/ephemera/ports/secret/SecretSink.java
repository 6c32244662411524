package dev.ephemera.ports.secret;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Adapter;

/** Puts a named secret where CI reads it (a GitHub Actions secret, Vault, a file, a Kubernetes Secret). */
public interface SecretSink extends Adapter {
    /** Writes or replaces the secret. Idempotent. */
    void put(SecretAddress address, Secret value);

    /** Removes the secret; removing one that is not there is not an error. */
    void delete(SecretAddress address);
}
