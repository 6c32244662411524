package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.spi.Health;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each secret to {@code <directory>/<scope>/<name>}, readable by the user alone. A write
 * lands whole or not at all: the value goes to a {@code 0600} temporary file beside the target,
 * is flushed to disk, and is renamed over the target atomically, so a reader never sees half a
 * kubeconfig and a crash never leaves one behind. The environment of an address is ignored.
 */
public final class FileSecretSink implements SecretSink {
    private static final Logger LOG = LoggerFactory.getLogger(FileSecretSink.class);
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    private final Path directory;

    public FileSecretSink(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void put(SecretAddress address, Secret value) {
        Path target = resolve(address);
        StatePaths.createPrivateDirectories(target.getParent());
        Path temp = null;
        try {
            temp = StatePaths.posix(target)
                    ? Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp",
                            PosixFilePermissions.asFileAttribute(StatePaths.OWNER_ONLY_FILE))
                    : Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(value.revealBytes());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveIntoPlace(temp, target);
            temp = null;
            syncDirectory(target.getParent());
            LOG.debug("secret written address={} bytes={}", address, value.length());
        } catch (IOException e) {
            throw EphemeraException.unavailable("could not write secret " + address + " to " + target + ": " + e.getMessage()
                    + "; check that the directory is writable and the disk has space", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // A leftover dot-file holds at most the secret at 0600; the next put replaces it anyway.
                }
            }
        }
    }

    @Override
    public void delete(SecretAddress address) {
        Path target = resolve(address);
        try {
            if (Files.deleteIfExists(target)) {
                syncDirectory(target.getParent());
                LOG.debug("secret deleted address={}", address);
            }
        } catch (IOException e) {
            throw EphemeraException.unavailable("could not delete secret " + address + " at " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Health health() {
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            return Health.down("secret directory " + directory + " cannot be created: " + existing + " is not a directory");
        }
        if (!Files.isWritable(existing)) {
            return Health.down("secret directory " + (existing.equals(directory) ? directory : existing + " (parent of " + directory + ")")
                    + " is not writable");
        }
        return Health.up("secrets in " + directory + (existing.equals(directory) ? "" : " (created on first write)"));
    }

    /** The file an address maps to; refuses anything that could name a file outside the directory. */
    Path resolve(SecretAddress address) {
        if (!SEGMENT.matcher(address.name()).matches() || address.name().contains("..") || address.name().equals(".")) {
            throw EphemeraException.invalid("secret name '" + address.name()
                    + "' is invalid for the file sink: use 1-255 letters, digits, '.', '_' or '-', without '..'");
        }
        Path dir = directory;
        if (!address.scope().isEmpty()) {
            for (String segment : address.scope().split("/", -1)) {
                if (!SEGMENT.matcher(segment).matches() || segment.contains("..") || segment.equals(".")) {
                    throw EphemeraException.invalid("secret scope '" + address.scope()
                            + "' is invalid for the file sink: use a relative path of segments made of letters, digits, '.', '_' or '-', separated by '/', without '..'");
                }
                dir = dir.resolve(segment);
            }
        }
        Path target = dir.resolve(address.name()).normalize();
        if (!target.startsWith(directory) || target.equals(directory)) {
            throw EphemeraException.invalid("secret " + address + " would land outside " + directory);
        }
        return target;
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // The temporary file sits beside the target, so this only happens on exotic file systems.
            throw new IOException("the file system of " + target.getParent() + " cannot rename atomically", e);
        }
    }

    /** Makes the rename itself durable; a no-op where directories cannot be opened (Windows). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Best effort: the data itself was already forced before the rename.
        }
    }
}
