package dev.ephemera.adapters.kind;

import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.kind.StandInKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The kind backend as the tests make it: the stand-in kind CLI written into a directory of this
 * run, its nodes on a network of this run, an installation of this run (so the kind cluster names,
 * {@code ephemera-<installation>-<id>}, are this run's alone), a state directory of this run.
 */
final class KindTestSupport implements AutoCloseable {
    final String installation = "kt-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    final String network = "ephemera-" + installation;
    final Path root;
    final Path kind;
    final Path stateDir;

    KindTestSupport() throws IOException {
        root = Files.createTempDirectory("kind-test");
        kind = StandInKind.writeExecutable(root.resolve("bin"), network);
        stateDir = root.resolve("state");
    }

    ClusterBackend backend(String nodeImage) {
        return backend(nodeImage, Map.of());
    }

    ClusterBackend backend(String nodeImage, Map<String, Object> extra) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("binary", kind.toString());
        s.put("node-image", nodeImage);
        s.put("installation", installation);
        s.put("state-dir", stateDir.toString());
        s.put("wait", "2m");
        s.putAll(extra);
        return new KindClusterBackendFactory().create(new Settings("kind", s), new HashMap<>(System.getenv()));
    }

    /** The kind cluster name of a cluster id, as the backend derives it. */
    String kindName(String id) {
        return "ephemera-" + installation + "-" + id;
    }

    Map<String, String> labels(String id) {
        return Map.of("ephemera.dev/cluster", id, "ephemera.dev/installation", installation);
    }

    /** Node containers of this run's kind clusters. */
    List<String> nodes() throws IOException {
        return Docker.labelled("container", StandInKind.CLUSTER_LABEL).stream().filter(c -> {
            try {
                return Docker.run(List.of("inspect", "--format", "{{index .Config.Labels \"" + StandInKind.CLUSTER_LABEL + "\"}}", c), null, 60)
                        .out().strip().startsWith("ephemera-" + installation + "-");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @Override
    public void close() throws IOException {
        for (String c : nodes()) {
            Docker.run(List.of("rm", "-f", "-v", c), null, 120);
        }
        Docker.run(List.of("network", "rm", network), null, 60);
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
