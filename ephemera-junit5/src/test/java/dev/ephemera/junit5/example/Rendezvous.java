package dev.ephemera.junit5.example;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-only: the two example classes meet while both hold their clusters. Each announces its
 * cluster and waits until the other has too; then each sees both clusters' containers on the
 * engine; then each waits until the other has looked, so neither lets its cluster go while the
 * other is still checking. Waiting is polling with a deadline; it can only run out if the classes
 * do not run at the same time (or a claim never finishes).
 */
final class Rendezvous {
    static final int CLASSES = 2;
    private static final Duration DEADLINE = Duration.ofMinutes(10);
    private static final Set<String> ARRIVED = ConcurrentHashMap.newKeySet();
    private static final Set<String> CHECKED = ConcurrentHashMap.newKeySet();

    private Rendezvous() {
    }

    static void meet(String clusterId) {
        ARRIVED.add(clusterId);
        eventually("the other example class holds its cluster at the same time (parallel classes)", DEADLINE,
                () -> ARRIVED.size() >= CLASSES, () -> ARRIVED);
        assertThat(ARRIVED).as("one cluster per class, each with its own id").hasSize(CLASSES);
        for (String id : ARRIVED) {
            try {
                List<String> containers = ExampleRun.containers(id);
                assertThat(containers).as("the container of cluster " + id + " while both classes run").hasSize(1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        CHECKED.add(clusterId);
        eventually("the other example class has seen both clusters", DEADLINE, () -> CHECKED.size() >= CLASSES, () -> CHECKED);
    }
}
