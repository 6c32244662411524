package dev.ephemera.adapters.hetzner;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where {@code shared/} is: {@code -Dephemera.shared.dir} (set by surefire), else {@code ../shared} above the working directory. */
final class Specs {
    private Specs() {
    }

    static Path shared() {
        String p = System.getProperty("ephemera.shared.dir");
        if (p != null && Files.isDirectory(Path.of(p, "specs"))) {
            return Path.of(p);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("../shared/specs"))) {
                return d.resolve("../shared").normalize();
            }
        }
        throw new IllegalStateException("cannot find shared/: set -Dephemera.shared.dir");
    }
}
