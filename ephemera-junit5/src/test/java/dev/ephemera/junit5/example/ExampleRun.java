package dev.ephemera.junit5.example;

import dev.ephemera.testkit.docker.Docker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Test-only bookkeeping of the example run: each example class records its cluster's id in
 * {@code ephemera.example.dir/clusters/} (one directory per Maven invocation), so the check in the
 * second surefire execution ({@link RunLeftNothingTest}) knows exactly which clusters to look for.
 */
final class ExampleRun {
    static final String INSTALLATION = "junit5-example";
    /** Ids of the clusters the parallel example classes are using right now. */
    static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    private ExampleRun() {
    }

    static Path clustersDir() {
        String dir = System.getProperty("ephemera.example.dir");
        if (dir == null) {
            throw new IllegalStateException("ephemera.example.dir is not set: run the examples through Maven (surefire sets it)");
        }
        return Path.of(dir, "clusters");
    }

    static void record(String clusterId, Class<?> by) throws IOException {
        Files.createDirectories(clustersDir());
        Files.writeString(clustersDir().resolve(clusterId), by.getName() + "\n", StandardCharsets.UTF_8);
    }

    static List<String> recorded() throws IOException {
        if (!Files.isDirectory(clustersDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(clustersDir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<String> containers(String clusterId) throws IOException {
        return Docker.labelled("container", "ephemera.dev/cluster=" + clusterId, "ephemera.dev/installation=" + INSTALLATION);
    }
}
