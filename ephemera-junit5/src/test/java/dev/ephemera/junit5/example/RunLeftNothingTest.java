package dev.ephemera.junit5.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Runs in a surefire execution of its own, after the example run's JVM has ended (pom.xml,
 * {@code after-the-run}): every cluster the examples recorded in this build is gone from the
 * engine — container, network and volumes, found by Ephemera's labels — and nothing of the
 * example's installation is left at all.
 */
@DisplayName("After the example run: both parallel classes' clusters (and the failed one's) are gone")
class RunLeftNothingTest {
    @Test
    @DisplayName("no container, network or volume of any recorded cluster, nor of the example installation, is left")
    void everyClusterIsGone() throws Exception {
        // A -Dtest filter makes surefire ignore the executions' includes: only the after-the-run execution sets this.
        Assumptions.assumeTrue(Boolean.getBoolean("ephemera.example.after-run"), "skipped: runs in the after-the-run surefire execution only");
        Optional<String> why = StandInK3sImage.engineUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        List<String> ids = ExampleRun.recorded();
        Assumptions.assumeTrue(!ids.isEmpty(), "skipped: the example classes did not run in this build (a -Dtest filter?), so there is nothing to check");
        assertThat(ids).as("the two parallel example classes (and the failing one, when it ran) each had a cluster").hasSizeGreaterThanOrEqualTo(2);
        for (String id : ids) {
            for (String kind : List.of("container", "network", "volume")) {
                assertThat(Docker.labelled(kind, "ephemera.dev/cluster=" + id)).as(kind + "s of cluster " + id).isEmpty();
            }
        }
        for (String kind : List.of("container", "network", "volume")) {
            assertThat(Docker.labelled(kind, "ephemera.dev/installation=" + ExampleRun.INSTALLATION)).as(kind + "s of the example installation").isEmpty();
        }
    }
}
