package dev.ephemera.adapters.hetzner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cost.ServerPrice;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.backend.Pricing;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The hetzner backend's prices, read from GET /server_types of the fake Hetzner")
class HetznerPricingTest {
    private FakeHetzner fake;
    private RecordingSleeper sleeper;
    private HetznerClusterBackend backend;

    @BeforeEach
    void start() {
        fake = FakeHetzner.start();
        sleeper = new RecordingSleeper();
        backend = new HetznerClusterBackend(HetznerSettings.from(new Settings("hetzner", Map.of("token", fake.token(), "api-url",
                fake.apiUrl().toString(), "location", "nbg1", "server-type", "cpx21"), Set.of("token"))), Clock.systemUTC(), sleeper);
    }

    @AfterEach
    void stop() {
        try {
            assertThat(fake.violations()).as("requests and answers against the Hetzner spec").isEmpty();
        } finally {
            fake.close();
        }
    }

    private long serverTypeReads() {
        return fake.requests().stream().filter(r -> r.startsWith("GET /v1/server_types")).count();
    }

    @Test
    @DisplayName("is a Pricing backend: the default type in the default location, net and gross as Hetzner states them")
    void defaultTypeAndLocation() {
        assertThat(backend).isInstanceOf(Pricing.class);

        ServerPrice p = backend.priceOf(ClusterSpec.defaults()).orElseThrow();

        assertThat(p.serverType()).isEqualTo("cpx21");
        assertThat(p.location()).isEqualTo("nbg1");
        assertThat(p.currency()).isEqualTo("EUR");
        // The fake's catalogue: cpx21 at 0.0128/h and 7.99/month net; gross with 19 % VAT.
        assertThat(p.hourlyNet()).isEqualByComparingTo("0.0128");
        assertThat(p.hourlyGross()).isEqualByComparingTo("0.0152");
        assertThat(p.monthlyNet()).isEqualByComparingTo("7.99");
        assertThat(p.monthlyGross()).isEqualByComparingTo("9.5081");
    }

    @Test
    @DisplayName("a cluster's size and location override the defaults; a type not sold there has no price")
    void sizeAndLocationOfTheSpec() {
        ClusterSpec cpx31InHel = new ClusterSpec(Optional.empty(), Optional.of("cpx31"), Optional.of("hel1"), Map.of(), List.of());
        assertThat(backend.priceOf(cpx31InHel)).hasValueSatisfying(p -> {
            assertThat(p.serverType()).isEqualTo("cpx31");
            assertThat(p.location()).isEqualTo("hel1");
            assertThat(p.hourlyNet()).isEqualByComparingTo("0.0224");
        });
        // cax11 (Arm) is sold in the EU locations only.
        assertThat(backend.priceOf(new ClusterSpec(Optional.empty(), Optional.of("cax11"), Optional.of("ash"), Map.of(), List.of()))).isEmpty();
        assertThat(backend.priceOf(new ClusterSpec(Optional.empty(), Optional.of("cx99"), Optional.empty(), Map.of(), List.of()))).isEmpty();
    }

    @Test
    @DisplayName("the catalogue is read once per process")
    void cached() {
        backend.priceOf(ClusterSpec.defaults());
        backend.priceOf(new ClusterSpec(Optional.empty(), Optional.of("cpx31"), Optional.empty(), Map.of(), List.of()));
        backend.priceOf(ClusterSpec.defaults());

        assertThat(serverTypeReads()).isEqualTo(1);
    }

    @Test
    @DisplayName("a retryable error is retried under the shared bounded policy; a read that fails for good is not cached")
    void boundedRetry() {
        fake.failNext("GET", "/server_types", "locked");
        assertThat(backend.priceOf(ClusterSpec.defaults())).isPresent();
        assertThat(serverTypeReads()).isEqualTo(2);
        assertThat(sleeper.waits()).hasSize(1);

        HetznerClusterBackend fresh = new HetznerClusterBackend(HetznerSettings.from(new Settings("hetzner", Map.of("token", fake.token(),
                "api-url", fake.apiUrl().toString()), Set.of("token"))), Clock.systemUTC(), new RecordingSleeper());
        int attempts = HetznerClient.Options.defaultRetry(java.time.Duration.ofMinutes(1)).maxAttempts();
        fake.failNext("GET", "/server_types", "locked", attempts);
        long before = serverTypeReads();
        assertThatThrownBy(() -> fresh.priceOf(ClusterSpec.defaults())).isInstanceOf(EphemeraException.class);
        assertThat(serverTypeReads() - before).as("bounded by the policy's attempts").isEqualTo(attempts);

        // The faults are used up; the failure was not kept, so the next call reads again and gets the price.
        assertThat(fresh.priceOf(ClusterSpec.defaults())).isPresent();
        assertThat(serverTypeReads() - before).isEqualTo(attempts + 1);
    }
}
