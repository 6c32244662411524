package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.testkit.contract.SecretSinkContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

class FileSecretSinkContractTest extends SecretSinkContract {
    @TempDir
    Path dir;

    @Override
    protected SecretSink newSink() {
        return new FileSecretSink(dir.resolve("secrets"));
    }

    /** Reads the file the plain way, without the sink's own path rules, so an escape would show. */
    @Override
    protected Optional<Secret> readBack(SecretAddress a) {
        Path file = dir.resolve("secrets").resolve(a.scope()).resolve(a.name());
        try {
            return Files.isRegularFile(file) ? Optional.of(Secret.ofBytes(Files.readAllBytes(file))) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
