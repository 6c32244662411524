package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where the embedded adapters keep their files, and how those files are created: private to
 * the user from the first byte, since credentials live in them.
 */
final class StatePaths {
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private StatePaths() {
    }

    /**
     * {@code $XDG_STATE_HOME/ephemera}, else {@code ~/.local/state/ephemera}. A relative
     * XDG_STATE_HOME is ignored, as the XDG base directory specification says.
     */
    static Path stateDirectory(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ephemera");
        }
        return home(env).resolve(".local").resolve("state").resolve("ephemera");
    }

    /** Expands a leading {@code ~/} so configuration files can say {@code ~/ci/ephemera.db}. */
    static Path expandHome(String text, Map<String, String> env) {
        String t = text.trim();
        if (t.equals("~")) {
            return home(env);
        }
        if (t.startsWith("~/")) {
            return home(env).resolve(t.substring(2));
        }
        return Path.of(t);
    }

    private static Path home(Map<String, String> env) {
        String home = env.get("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Creates {@code dir} and any missing parents, each one {@code 0700}. Existing ones are left as they are. */
    static void createPrivateDirectories(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createPrivateDirectories(parent);
        }
        try {
            if (posix(absolute)) {
                Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                // The umask may have narrowed the mode; 0700 is already the narrowest we want, but set it exactly.
                Files.setPosixFilePermissions(absolute, OWNER_ONLY_DIR);
            } else {
                Files.createDirectory(absolute);
            }
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(absolute)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, absolute + " exists and is not a directory; move it away or choose another location");
            }
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot create directory " + absolute + ": " + e.getMessage()
                    + "; check the permissions of its parent or choose another location", e);
        }
    }

    /** Creates an empty {@code 0600} file unless one exists; never widens or narrows an existing file. */
    static void createPrivateFile(Path file) {
        try {
            if (posix(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
                Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException exists) {
            // Another process made it first, or it was there already: both are fine.
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot create " + file + ": " + e.getMessage()
                    + "; check the permissions of " + file.getParent() + " or choose another location", e);
        }
    }
}
