package dev.ephemera.adapters.hetzner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Hibernation on the hetzner backend (power off / on), against the fake Hetzner Cloud API")
class HetznerHibernationTest {
    private FakeHetzner fake;

    @BeforeEach
    void start() {
        fake = FakeHetzner.start();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(fake.violations()).as("requests the fake found against the spec").isEmpty();
        } finally {
            fake.close();
        }
    }

    private HetznerClusterBackend backend(boolean hibernation) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("token", fake.token());
        values.put("api-url", fake.apiUrl().toString());
        values.put("api-port", Integer.toString(fake.apiPort()));
        values.put("installation", "ci");
        if (hibernation) {
            values.put("hibernation", "true");
        }
        return new HetznerClusterBackend(HetznerSettings.from(new Settings("hetzner", values, java.util.Set.of("token"))),
                Clock.systemUTC(), new RecordingSleeper());
    }

    @Test
    @DisplayName("off by default, because Hetzner bills powered-off servers: refused with how to switch it on, and nothing is sent")
    void offByDefault() {
        HetznerClusterBackend backend = backend(false);
        assertThat(backend.hibernationRefusal()).hasValueSatisfying(why -> assertThat(why).contains("bills powered-off servers")
                .contains("hetzner.hibernation: true"));
        assertThatThrownBy(() -> backend.hibernate(ClusterId.of("pr-1")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
        assertThat(fake.requests()).noneMatch(r -> r.contains("/actions/power"));
    }

    @Test
    @DisplayName("when switched on: powers the server off (waiting for the action), then on, and K3s answers /readyz again")
    void powersOffAndOn() throws Exception {
        HetznerClusterBackend backend = backend(true);
        PkiBundle pki = K3sTestPki.bundle("EC");
        ClusterId id = ClusterId.of("pool-1");
        backend.ensure(new ProvisionRequest(id, ClusterSpec.defaults(), Optional.empty(), Optional.of(pki),
                Map.of("ephemera.dev/cluster", id.value(), "ephemera.dev/installation", "ci")));
        assertThat(backend.hibernationRefusal()).isEmpty();

        backend.hibernate(id);
        backend.hibernate(id);

        assertThat(fake.servers()).singleElement().satisfies(s -> assertThat(s.status()).isEqualTo("off"));
        assertThat(fake.requests().stream().filter(r -> r.matches("POST /v1/servers/\\d+/actions/poweroff"))).hasSize(1);
        assertThat(backend.observe(id).state()).isEqualTo(Observation.State.FAILED);

        backend.resume(id);

        assertThat(fake.servers()).singleElement().satisfies(s -> assertThat(s.status()).isEqualTo("running"));
        assertThat(fake.requests()).anyMatch(r -> r.matches("POST /v1/servers/\\d+/actions/poweron"));
        Observation o = backend.observe(id);
        assertThat(o.state()).isEqualTo(Observation.State.RUNNING);
        URI api = o.endpoint().orElseThrow().apiUrl();
        HttpResponse<String> ready = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
    }
}
