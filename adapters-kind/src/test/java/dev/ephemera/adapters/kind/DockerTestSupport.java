package dev.ephemera.adapters.kind;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.docker.Docker;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/** The docker backend as the tests make it: found through ServiceLoader, non-privileged, with an installation of the test run's own. */
final class DockerTestSupport {
    /** Every test run labels what it makes with its own installation, and removes exactly that. */
    static final String INSTALLATION = "test-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    private DockerTestSupport() {
    }

    /**
     * @param image the stand-in image by its ID: other test JVMs on the same engine build their own stand-in under the pinned
     *              name, and the name may point at theirs by the time a container is created
     */
    static ClusterBackend backend(String image, Map<String, Object> extra) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("privileged", "false");
        s.put("installation", INSTALLATION);
        s.put("image", image);
        s.putAll(extra);
        return factory().create(new Settings("docker", s));
    }

    static ClusterBackendFactory factory() {
        return ServiceLoader.load(ClusterBackendFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("docker")).findFirst().orElseThrow();
    }

    static Map<String, String> labels(ClusterId id) {
        return Map.of("ephemera.dev/cluster", id.value(), "ephemera.dev/installation", INSTALLATION);
    }

    static void removeEverythingOfThisRun() throws IOException {
        Docker.removeLabelled("ephemera.dev/installation=" + INSTALLATION);
    }
}
