package dev.ephemera.application;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The cluster driver")
class ClusterDriverTest {
    private static final Duration GRACE = Duration.ofHours(1);

    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("lab"), false), 1);
    private final InMemorySecretSink sink = new InMemorySecretSink();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));
    private final Policies policies = new Policies(Duration.ofDays(3), GRACE, Duration.ofMinutes(15), Duration.ofMinutes(5), 10, Map.of());
    private final IpPools pools = new IpPools(new InMemoryLeaseStore(), clock);
    private final ClusterEvents events = new ClusterEvents();
    private final Clusters clusters = new Clusters(repository, policies, clock, events);
    private final List<ClusterDriver> drivers = new ArrayList<>();
    private final List<PhaseChange> heard = new CopyOnWriteArrayList<>();

    ClusterDriverTest() {
        pools.create("lab", "10.0.0.1-10.0.0.40", List.of());
        events.subscribe(heard::add);
    }

    @AfterEach
    void stopDrivers() {
        drivers.forEach(ClusterDriver::close);
    }

    private Reconciler reconciler() {
        return new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", sink), pools, policies,
                new ControlPlane("test", List.of("memory")), clock);
    }

    private ClusterDriver driver(String owner) {
        ClusterDriver d = new ClusterDriver(repository, reconciler(), policies, events,
                new DriverSettings(4, Duration.ofMillis(20), Duration.ofSeconds(30), owner), clock);
        drivers.add(d);
        return d;
    }

    private static ClaimRequest request(String id, Optional<Duration> heartbeat, boolean queue) {
        return new ClaimRequest(ClusterId.of(id), Optional.empty(), "memory", ClusterSpec.defaults(), Optional.empty(), List.of(), false,
                heartbeat, queue);
    }

    private Phase phase(String id) {
        return repository.find(ClusterId.of(id)).map(Cluster::phase).orElseThrow();
    }

    private long count(Phase p) {
        return repository.list().stream().filter(c -> c.phase() == p).count();
    }

    private String phases() {
        return repository.list().stream().map(c -> c.id() + "=" + c.phase().displayName()).toList().toString();
    }

    /** Waits until {@code d} has finished {@code n} more scans of the store, so a check after it saw the latest state. */
    private static void scansMore(ClusterDriver d, int n) {
        long target = d.stats().scans() + n;
        eventually(n + " more scans", () -> d.stats().scans() >= target);
    }

    @Test
    @DisplayName("brings every claim to Ready with no client waiting, creating each server once")
    void bringsClaimsToReady() {
        ClusterDriver d = driver("server-a");
        d.start();
        for (int i = 0; i < 10; i++) {
            clusters.submit(request("pr-" + i, Optional.empty(), false));
        }

        eventually("10 clusters Ready", () -> count(Phase.READY) == 10, this::phases);

        assertThat(backend.ensureCalls()).isEqualTo(10);
        assertThat(backend.serverCount()).isEqualTo(10);
        assertThat(heard).filteredOn(c -> c.to() == Phase.READY).hasSize(10)
                .allSatisfy(c -> assertThat(c.claimToReady()).isPresent());
        assertThat(heard).filteredOn(c -> c.cluster().id().value().equals("pr-3")).extracting(PhaseChange::to)
                .containsExactly(Phase.REQUESTED, Phase.PROVISIONING, Phase.BOOTSTRAPPING, Phase.READY);
        assertThat(d.stats().readyCount()).isEqualTo(10);
    }

    @Test
    @DisplayName("picks up a record another process wrote to the store (the CLI without --wait) at its next scan")
    void picksUpRecordsFromAnotherProcess() {
        ClusterDriver d = driver("server-a");
        d.start();
        // Another process: its own Clusters, whose events this driver never hears.
        new Clusters(repository, policies, clock).claim(request("from-cli", Optional.empty(), false));

        eventually("the CLI's claim Ready", () -> phase("from-cli") == Phase.READY, this::phases);
        assertThat(heard).extracting(PhaseChange::to).contains(Phase.READY);
    }

    @Test
    @DisplayName("resumes at start what a crashed process left half done")
    void resumesAtStart() {
        Cluster c = clusters.claim(request("half-done", Optional.empty(), false));
        reconciler().step(c.id()); // Requested -> Provisioning, then the process died
        assertThat(phase("half-done")).isEqualTo(Phase.PROVISIONING);

        driver("server-b").start();

        eventually("Ready after restart", () -> phase("half-done") == Phase.READY, this::phases);
        assertThat(backend.ensureCalls(ClusterId.of("half-done"))).isEqualTo(1);
    }

    @Test
    @DisplayName("leaves a cluster alone while another driver's step lease runs, and takes over when it expires")
    void takesOverAfterACrashedOwnersLeaseExpires() {
        Cluster c = clusters.claim(request("orphaned", Optional.empty(), false));
        assertThat(repository.acquireStepLease(c.id(), "crashed-server", clock.instant(), Duration.ofSeconds(30))).isTrue();
        ClusterDriver d = driver("server-b");
        d.start();

        scansMore(d, 3);
        assertThat(phase("orphaned")).isEqualTo(Phase.REQUESTED);
        assertThat(backend.ensureCalls()).isZero();

        clock.advance(Duration.ofSeconds(31));

        eventually("Ready once the crashed lease ran out", () -> phase("orphaned") == Phase.READY, this::phases);
    }

    @Test
    @DisplayName("two drivers hearing the same claims step each cluster with one of them only: every server is created once")
    void twoDriversNeverCreateTwice() {
        driver("server-a").start();
        driver("server-b").start(); // same events: both are kicked for every claim at the same moment
        for (int i = 0; i < 10; i++) {
            clusters.submit(request("race-" + i, Optional.empty(), false));
        }

        eventually("10 clusters Ready", () -> count(Phase.READY) == 10, this::phases);

        for (int i = 0; i < 10; i++) {
            assertThat(backend.ensureCalls(ClusterId.of("race-" + i))).as("ensure calls for race-" + i).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a heartbeat not renewed releases the cluster; after the grace period it is deleted and its IP lease freed")
    void missedHeartbeatReleasesThenDeletes() {
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("hb", Optional.of(Duration.ofMinutes(10)), false));
        eventually("Ready", () -> phase("hb") == Phase.READY, this::phases);
        assertThat(pools.list("lab")).hasSize(1);

        clock.advance(Duration.ofMinutes(9));
        scansMore(d, 2);
        assertThat(phase("hb")).isEqualTo(Phase.READY);

        clock.advance(Duration.ofMinutes(1));
        eventually("Releasing after the missed heartbeat", () -> phase("hb") == Phase.RELEASING, this::phases);
        Cluster released = repository.find(ClusterId.of("hb")).orElseThrow();
        assertThat(released.deleteAfter()).contains(clock.instant().plus(GRACE));
        assertThat(backend.serverCount()).isEqualTo(1);

        clock.advance(GRACE);
        eventually("Deleted after the grace period", () -> phase("hb") == Phase.DELETED, this::phases);
        assertThat(backend.serverCount()).isZero();
        assertThat(pools.list("lab")).as("IP leases end with the cluster").isEmpty();
    }

    @Test
    @DisplayName("a renewed heartbeat keeps the cluster running")
    void renewedHeartbeatKeepsRunning() {
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("hb", Optional.of(Duration.ofMinutes(10)), false));
        eventually("Ready", () -> phase("hb") == Phase.READY, this::phases);

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(8));
            if (i % 2 == 0) {
                clusters.renew(ClusterId.of("hb"));
            } else {
                clusters.submit(request("hb", Optional.of(Duration.ofMinutes(10)), false)); // a new claim renews too
            }
            scansMore(d, 2);
            assertThat(phase("hb")).as("after %d renewals", i + 1).isEqualTo(Phase.READY);
        }
    }

    @Test
    @DisplayName("renewing within the grace period brings a released cluster back to Ready")
    void renewInGraceReturnsToReady() {
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("hb", Optional.of(Duration.ofMinutes(10)), false));
        eventually("Ready", () -> phase("hb") == Phase.READY, this::phases);
        clock.advance(Duration.ofMinutes(11));
        eventually("Releasing", () -> phase("hb") == Phase.RELEASING, this::phases);

        assertThat(clusters.renew(ClusterId.of("hb")).phase()).isEqualTo(Phase.READY);
        scansMore(d, 2);
        assertThat(phase("hb")).isEqualTo(Phase.READY);
    }

    @Test
    @DisplayName("a heartbeat missed while still coming up deletes the cluster")
    void missedHeartbeatWhileProvisioningDeletes() {
        backend.setObservationsUntilRunning(1_000_000); // never comes up
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("slow", Optional.of(Duration.ofMinutes(1)), false));
        eventually("Provisioning", () -> phase("slow") == Phase.PROVISIONING, this::phases);

        clock.advance(Duration.ofMinutes(2));

        eventually("Deleted", () -> phase("slow") == Phase.DELETED, this::phases);
        assertThat(backend.serverCount()).isZero();
    }

    @Test
    @DisplayName("beyond the cap, queued claims wait in Queued and start oldest first as slots free")
    void queuedClaimsStartOldestFirst() {
        ClusterDriver d = driver("server-a");
        d.start();
        List<ClaimOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            outcomes.add(clusters.submit(request("q-" + (char) ('a' + i), Optional.empty(), true)));
            clock.advance(Duration.ofMillis(1)); // distinct claim times, so "oldest" is well defined
        }

        assertThat(outcomes).allSatisfy(o -> assertThat(o.created()).isTrue());
        eventually("10 Ready", () -> count(Phase.READY) == 10, this::phases);
        assertThat(count(Phase.QUEUED)).isEqualTo(10);
        assertThat(repository.countLive(Optional.empty())).isEqualTo(10);
        scansMore(d, 2);
        assertThat(count(Phase.QUEUED)).as("nothing starts while the cap is full").isEqualTo(10);
        assertThat(d.stats().queueLength()).isEqualTo(10);
        // The first ten claims got the slots; q-k is the oldest queued one.
        assertThat(phase("q-k")).isEqualTo(Phase.QUEUED);

        clusters.delete(ClusterId.of("q-a"));

        eventually("the oldest queued claim Ready", () -> phase("q-k") == Phase.READY, this::phases);
        assertThat(phase("q-a")).isEqualTo(Phase.DELETED);
        assertThat(count(Phase.QUEUED)).isEqualTo(9);
        assertThat(count(Phase.READY)).isEqualTo(10);
    }

    @Test
    @DisplayName("a queued claim can be released or deleted before it starts, and holds nothing")
    void queuedClaimsCanBeDeleted() {
        for (int i = 0; i < 10; i++) {
            clusters.submit(request("full-" + i, Optional.empty(), false));
        }
        Cluster queued = clusters.submit(request("waiting", Optional.empty(), true)).cluster();
        assertThat(queued.phase()).isEqualTo(Phase.QUEUED);
        EphemeraException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> clusters.submit(request("refused", Optional.empty(), false)), EphemeraException.class);
        assertThat(refused.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(repository.find(ClusterId.of("refused"))).isEmpty();

        assertThat(clusters.release(ClusterId.of("waiting")).phase()).isEqualTo(Phase.DELETING);
        ClusterDriver d = driver("server-a");
        d.start();

        eventually("Deleted", () -> phase("waiting") == Phase.DELETED, this::phases);
        assertThat(backend.ensureCalls(ClusterId.of("waiting"))).isZero();
    }

    @Test
    @DisplayName("backs off on a transient adapter error and retries until the cluster is Ready")
    void backsOffOnTransientErrors() {
        backend.failNextCreate(EphemeraException.unavailable("cloud API answered 503", null));
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("flaky", Optional.empty(), false));

        eventually("Ready after the retry", () -> phase("flaky") == Phase.READY, this::phases);
        assertThat(backend.serverCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("after close it steps nothing and has given up its step leases")
    void closeStopsAndGivesUpLeases() {
        backend.setObservationsUntilRunning(1_000_000);
        ClusterDriver d = driver("server-a");
        d.start();
        clusters.submit(request("long", Optional.empty(), false));
        eventually("Provisioning", () -> phase("long") == Phase.PROVISIONING, this::phases);

        d.close();

        assertThat(d.isRunning()).isFalse();
        assertThat(repository.acquireStepLease(ClusterId.of("long"), "server-b", clock.instant(), Duration.ofSeconds(30)))
                .as("another server may take over at once").isTrue();
    }
}
