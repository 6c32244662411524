package dev.ephemera.testkit.fake.hetzner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds a file under {@code shared/}: {@code -Dephemera.shared.dir}, then {@code ../shared} beside the repository. */
final class SharedSpecs {
    private SharedSpecs() {
    }

    static Path locate(String relative) {
        String shared = System.getProperty("ephemera.shared.dir");
        if (shared != null && Files.isRegularFile(Path.of(shared).resolve(relative))) {
            return Path.of(shared).resolve(relative).normalize();
        }
        String repo = System.getProperty("ephemera.repo.dir");
        if (repo != null && Files.isRegularFile(Path.of(repo).resolve("../shared").resolve(relative))) {
            return Path.of(repo).resolve("../shared").resolve(relative).normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve("shared").resolve(relative), d.resolve("../shared").resolve(relative))) {
                if (Files.isRegularFile(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("cannot find " + relative + " under shared/: set -Dephemera.shared.dir=<path to shared/>");
    }
}
