package dev.ephemera.adapters.kubernetes.leader;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.adapters.kubernetes.claims.KubernetesClaimObjectsFactory;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.claims.ClaimObjectsFactory;
import dev.ephemera.ports.leadership.Leadership;
import dev.ephemera.ports.leadership.LeadershipFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Leader election on a Lease of fabric8's mock API server (CRUD mode), each elector with a client of its own. */
@DisplayName("server.leadership: kubernetes (a Lease, fabric8's LeaderElector)")
class KubernetesLeadershipTest {
    private final KubernetesCrudMock mock = KubernetesCrudMock.http();

    @AfterEach
    void stop() {
        mock.close();
    }

    private KubernetesLeadership elector(String who) {
        return new KubernetesLeadership(new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build(), "ephemera",
                "default-leader", who, Duration.ofSeconds(3), true);
    }

    private String holder() {
        Lease l = mock.client().leases().inNamespace("ephemera").withName("default-leader").get();
        return l == null || l.getSpec() == null ? "" : String.valueOf(l.getSpec().getHolderIdentity());
    }

    @Test
    @DisplayName("of two processes one leads; when it leaves, it gives the Lease up and the other leads")
    void oneLeadsThenTheOther() throws Exception {
        AtomicInteger leading = new AtomicInteger();
        AtomicInteger electedA = new AtomicInteger();
        AtomicInteger electedB = new AtomicInteger();
        try (KubernetesLeadership a = elector("a"); KubernetesLeadership b = elector("b")) {
            AutoCloseable ja = a.join(() -> { leading.incrementAndGet(); electedA.incrementAndGet(); }, leading::decrementAndGet);
            AutoCloseable jb = b.join(() -> { leading.incrementAndGet(); electedB.incrementAndGet(); }, leading::decrementAndGet);
            eventually("one of them leads", () -> a.isLeader() || b.isLeader());
            KubernetesLeadership first = a.isLeader() ? a : b;
            KubernetesLeadership second = first == a ? b : a;
            eventually("the Lease names the leader", () -> holder().equals(first.identity()), this::holder);
            // The setting (3 s here) bounds the takeover; the Lease itself holds less, so the other's last look lands within it.
            assertThat(mock.client().leases().inNamespace("ephemera").withName("default-leader").get().getSpec().getLeaseDurationSeconds())
                    .isEqualTo(2);
            assertThat(second.isLeader()).isFalse();
            assertThat(leading.get()).isEqualTo(1);

            (first == a ? ja : jb).close();
            assertThat(first.isLeader()).isFalse();
            eventually("the other leads", second::isLeader);
            assertThat(holder()).isEqualTo(second.identity());
            assertThat(leading.get()).isEqualTo(1);
            assertThat(electedA.get() + electedB.get()).isEqualTo(2);
            (first == a ? jb : ja).close();
            assertThat(leading.get()).isZero();
        }
    }

    @Test
    @DisplayName("the factories are found by ServiceLoader under the name kubernetes, and a lease shorter than 2s is refused")
    void factories() {
        assertThat(ServiceLoader.load(LeadershipFactory.class).stream().map(p -> p.get().name())).contains("kubernetes");
        assertThat(ServiceLoader.load(ClaimObjectsFactory.class).stream().map(p -> p.get()))
                .anySatisfy(f -> assertThat(f).isInstanceOf(KubernetesClaimObjectsFactory.class));
        KubernetesLeadershipFactory f = new KubernetesLeadershipFactory(Map.of());
        Settings s = new Settings("kubernetes", Map.of("lease-duration", "1s"));
        assertThatThrownBy(() -> f.create(s, mock.client().getConfiguration())).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("lease-duration").extracting(e -> ((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION);
        try (Leadership l = f.create(new Settings("kubernetes", Map.of("identity", "pod-1")), mock.client().getConfiguration())) {
            assertThat(l.toString()).contains("default-leader").contains("pod-1").contains("PT15S");
        }
    }
}
