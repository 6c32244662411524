package dev.ephemera.junit5.example;

import dev.ephemera.testkit.docker.StandInK3sImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test-only: the stand-in K3s image the example's {@code docker} backend runs (testkit
 * {@link StandInK3sImage}), built once per JVM before the first class claims a cluster, removed
 * when the run that built it ends. Declared before {@code @EphemeralCluster} on a class, so its
 * {@code beforeAll} runs first; without a Docker engine the class is skipped, saying why, and no
 * cluster is claimed.
 */
public final class DockerStandIn implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DockerStandIn.class);
    private static StandInK3sImage image;

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<String> why = StandInK3sImage.engineUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        synchronized (DockerStandIn.class) {
            if (image == null) {
                try {
                    image = StandInK3sImage.build(System.getProperty("ephemera.test.k3s-image", "ephemera-junit5-example/k3s:stand-in"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                // The run that built it removes it at its very end, after every cluster (stored later, closed earlier) is gone.
                context.getRoot().getStore(NS).put("image", (AutoCloseable) DockerStandIn::remove);
            }
        }
    }

    private static void remove() throws IOException {
        synchronized (DockerStandIn.class) {
            if (image != null) {
                image.close();
                image = null;
            }
        }
    }
}
