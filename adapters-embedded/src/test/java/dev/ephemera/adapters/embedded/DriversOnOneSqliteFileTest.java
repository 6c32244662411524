package dev.ephemera.adapters.embedded;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.DriverSettings;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one SQLite file, each with its own repository instance (its own connections, as
 * a second process has), sharing only the cloud: each cluster is stepped by one of them at a time
 * and no server is created twice.
 */
class DriversOnOneSqliteFileTest {
    @TempDir
    Path dir;

    private final InMemoryClusterBackend cloud = new InMemoryClusterBackend(new BackendTraits(Optional.empty(), false), 2);
    private final Policies policies = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5),
            50, Map.of());
    private final Clock clock = Clock.systemUTC();
    private final InMemoryWorkloadClusters workload = new InMemoryWorkloadClusters(1);
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private ClusterRepository repository() {
        ClusterRepository r = SqliteClusterRepository.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)));
        open.add(r);
        return r;
    }

    private ClusterDriver server(String name, ClusterRepository repository, ClusterEvents events) {
        Reconciler reconciler = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", cloud), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> workload, () -> SingleAdapterLookups.sinks("memory", new InMemorySecretSink()),
                new IpPools(new InMemoryLeaseStore(), clock), policies, new ControlPlane("test", List.of()), clock);
        ClusterDriver d = new ClusterDriver(repository, reconciler, policies, events,
                new DriverSettings(4, Duration.ofMillis(20), Duration.ofSeconds(30), name), clock);
        open.add(d);
        return d;
    }

    @Test
    void twoServersOnOneFileCreateEveryServerExactlyOnce() {
        cloud.holdEnsureFor(Duration.ofMillis(200)); // two servers inside ensure for one cluster would meet there
        ClusterRepository a = repository();
        ClusterRepository b = repository();
        // The same events reach both drivers, so both are kicked for each claim at the same moment.
        ClusterEvents events = new ClusterEvents();
        server("server-a", a, events).start();
        server("server-b", b, events).start();
        Clusters api = new Clusters(a, policies, clock, events);
        int n = 24;
        for (int i = 0; i < n; i++) {
            api.submit(new ClaimRequest(ClusterId.of("c-" + i), Optional.empty(), "memory", ClusterSpec.defaults(), Optional.empty(),
                    List.of(), false));
        }

        eventually(n + " clusters Ready", Duration.ofSeconds(60),
                () -> b.list().stream().filter(c -> c.phase() == Phase.READY).count() == n,
                () -> b.list().stream().map(c -> c.id() + "=" + c.phase()).toList());

        for (int i = 0; i < n; i++) {
            assertThat(cloud.ensureCalls(ClusterId.of("c-" + i))).as("ensure calls for c-" + i).isEqualTo(1);
        }
        assertThat(cloud.serverCount()).isEqualTo(n);
    }

    @Test
    void aClaimTheCliWroteToTheFileIsFinishedByTheServer() {
        ClusterRepository server = repository();
        server("server-a", server, new ClusterEvents()).start();
        ClusterRepository cli = repository();

        new Clusters(cli, policies, clock).claim(new ClaimRequest(ClusterId.of("from-cli"), Optional.empty(), "memory",
                ClusterSpec.defaults(), Optional.empty(), List.of(), false));

        eventually("Ready", () -> cli.find(ClusterId.of("from-cli")).orElseThrow().phase() == Phase.READY,
                () -> cli.find(ClusterId.of("from-cli")).orElseThrow().phase());
    }
}
