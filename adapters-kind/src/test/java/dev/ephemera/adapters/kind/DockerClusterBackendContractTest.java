package dev.ephemera.adapters.kind;

import dev.ephemera.testkit.pki.K3sTestPki;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.testkit.contract.ClusterBackendContract;
import dev.ephemera.testkit.docker.StandInK3sImage;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("The docker backend on the real engine, with the stand-in K3s image")
@ExtendWith(StandInK3sImage.Engine.class)
class DockerClusterBackendContractTest extends ClusterBackendContract {
    private static StandInK3sImage image;

    @BeforeAll
    static void image(StandInK3sImage built) {
        image = built;
    }

    @AfterAll
    static void clean() throws IOException {
        DockerTestSupport.removeEverythingOfThisRun();
    }

    @Override
    protected ClusterBackend newBackend() {
        return DockerTestSupport.backend(image.id(), Map.of());
    }

    @Override
    protected PkiBundle pki(ClusterId id) {
        return K3sTestPki.bundle("EC");
    }

    @Override
    protected Map<String, String> labels(ClusterId id) {
        return DockerTestSupport.labels(id);
    }
}
