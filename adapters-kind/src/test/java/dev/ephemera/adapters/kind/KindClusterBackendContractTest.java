package dev.ephemera.adapters.kind;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.testkit.contract.ClusterBackendContract;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;

@DisplayName("The kind backend with the stand-in kind CLI, its nodes on the real engine")
@ExtendWith(StandInK3sImage.Engine.class)
class KindClusterBackendContractTest extends ClusterBackendContract {
    private static StandInK3sImage image;
    private static KindTestSupport kind;

    @BeforeAll
    static void image(StandInK3sImage built) throws IOException {
        image = built;
        kind = new KindTestSupport();
    }

    @AfterAll
    static void clean() throws IOException {
        if (kind != null) {
            kind.close();
        }
    }

    @Override
    protected ClusterBackend newBackend() {
        return kind.backend(image.id());
    }

    @Override
    protected PkiBundle pki(ClusterId id) {
        return K3sTestPki.bundle("EC");
    }

    @Override
    protected Map<String, String> labels(ClusterId id) {
        return kind.labels(id.value());
    }
}
