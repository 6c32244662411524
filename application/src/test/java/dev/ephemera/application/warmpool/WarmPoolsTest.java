package dev.ephemera.application.warmpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.application.ClaimOutcome;
import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.Credentials;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.warmpool.PoolMembership;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import dev.ephemera.domain.warmpool.WhenEmpty;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Warm pools on the instant backend")
class WarmPoolsTest {
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemorySecretSink sink = new InMemorySecretSink();
    private final InMemoryClusterBackend backend = InMemoryClusterBackend.instant();
    private final InMemoryWorkloadClusters workload = new InMemoryWorkloadClusters(0);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
    private final Policies policies = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5),
            50, java.util.Map.of());
    private final ControlPlane controlPlane = new ControlPlane("test", List.of("memory"));
    private final ClusterEvents events = new ClusterEvents();
    private final Reconciler reconciler = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> {
        throw new AssertionError("the instant backend brings its own credentials");
    }, () -> workload, () -> SingleAdapterLookups.sinks("memory", sink), new IpPools(new InMemoryLeaseStore(), clock), policies,
            controlPlane, clock);
    private final Clusters clusters = new Clusters(repository, policies, clock, events);

    private WarmPools pools(WarmPoolSpec... specs) {
        WarmPools p = new WarmPools(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> workload,
                () -> SingleAdapterLookups.sinks("memory", sink), clusters, policies, controlPlane, clock, events,
                new WarmPoolSettings(List.of(specs), WarmPoolSettings.DEFAULT_INTERVAL));
        p.setSleeper(clock::advance); // every wait moves the test clock instead of real time
        return p;
    }

    private static WarmPoolSpec ci(int size) {
        return WarmPoolSpec.of("ci", "memory", ClusterSpec.defaults(), size);
    }

    private static WarmPoolSpec ci(int size, Optional<Duration> hibernateAfter, WhenEmpty whenEmpty) {
        return new WarmPoolSpec("ci", "memory", ClusterSpec.defaults(), size, Math.max(1, size * 2), Math.max(1, size), Duration.ofHours(2), Duration.ofHours(8),
                hibernateAfter, Duration.ofMinutes(1), whenEmpty, Duration.ofMinutes(3));
    }

    /** Refills, then drives every member up as the server's driver would. */
    private void fill(WarmPools p) {
        for (ClusterId id : p.tick().created()) {
            assertThat(reconciler.runUntilSettled(id, clock.instant().plus(Duration.ofMinutes(15)), c -> { }).phase()).isEqualTo(Phase.READY);
        }
    }

    private static ClaimRequest claim(String id) {
        return new ClaimRequest(ClusterId.of(id), Optional.of(Owner.parse("acme/shop#" + Math.abs(id.hashCode() % 1000 + 1))), "memory",
                ClusterSpec.defaults(), Optional.empty(), List.of(SinkTarget.parse("memory:acme/shop:E2E_KUBECONFIG")), false);
    }

    private URI serverOf(Cluster c) {
        return backend.ownAdminAccess(c.id()).orElseThrow().server();
    }

    @Test
    @DisplayName("a pool of 3 is filled with 3 Ready members, marked with the pool's name")
    void aPoolOfThreeHasThreeReadyMembers() {
        WarmPools p = pools(ci(3));
        fill(p);
        WarmPoolStatus s = p.status("ci");
        assertThat(s.ready()).isEqualTo(3);
        assertThat(s.members()).hasSize(3).allSatisfy(m -> assertThat(m.phase()).isEqualTo("Ready"));
        assertThat(p.tick().created()).as("a full pool makes no more").isEmpty();
        assertThat(backend.serverCount()).isEqualTo(3);
        assertThat(backend.request(ClusterId.of(s.members().get(0).id())).orElseThrow().spec().labels())
                .containsEntry(PoolMembership.POOL, "ci");
    }

    @Test
    @DisplayName("a claim takes a Ready member at once: aliased, a fresh token, the old one refused, kubeconfig pushed, lifetime applied; the pool refills")
    void aClaimTakesAMemberWithAFreshTokenAndThePoolRefills() {
        WarmPools p = pools(ci(3));
        fill(p);
        List<Cluster> before = repository.list();
        Instant at = clock.instant();

        ClaimOutcome o = p.submit(claim("pr-42-shop"), Optional.of("ci"));

        Cluster member = o.cluster();
        assertThat(o.created()).isTrue();
        assertThat(member.phase()).isEqualTo(Phase.READY);
        assertThat(before).extracting(Cluster::id).contains(member.id());
        assertThat(PoolMembership.claimedAs(member)).contains(ClusterId.of("pr-42-shop"));
        assertThat(member.owner()).contains(Owner.parse("acme/shop#" + Math.abs("pr-42-shop".hashCode() % 1000 + 1)));
        assertThat(member.expiresAt()).isEqualTo(at.plus(WarmPoolSpec.DEFAULT_CLAIM_LIFETIME));
        assertThat(clusters.get(ClusterId.of("pr-42-shop")).id()).as("the claim's id resolves to the member").isEqualTo(member.id());

        String oldToken = "token-for-127.0.0.1";
        String token = repository.credential(member.id(), Credentials.CI_TOKEN).orElseThrow().reveal();
        assertThat(token).isNotEqualTo(oldToken);
        assertThat(workload.accepts(serverOf(member), token)).as("the claimer's token works").isTrue();
        assertThat(workload.accepts(serverOf(member), oldToken)).as("the pool's earlier token is refused").isFalse();
        String kubeconfig = clusters.kubeconfig(ClusterId.of("pr-42-shop")).reveal();
        assertThat(kubeconfig).contains(token).doesNotContain(oldToken);
        assertThat(sink.read(new SecretAddress("acme/shop", Optional.empty(), "E2E_KUBECONFIG"))).map(s -> s.reveal()).contains(kubeconfig);
        assertThat(sink.read(SecretAddress.of(member.id().value(), "kubeconfig"))).map(s -> s.reveal()).contains(kubeconfig);

        assertThat(p.status("ci").ready()).isEqualTo(2);
        assertThat(p.status("ci").claimed()).isEqualTo(1);
        fill(p);
        assertThat(p.status("ci").ready()).as("refilled").isEqualTo(3);
    }

    @Test
    @DisplayName("claiming the same id again returns the same member, and a matching spec is served without naming the pool")
    void claimsAreIdempotentAndMatchBySpec() {
        WarmPools p = pools(ci(2));
        fill(p);
        ClaimOutcome first = p.submit(claim("pr-1"), Optional.empty());
        ClaimOutcome again = p.submit(claim("pr-1"), Optional.empty());
        assertThat(PoolMembership.claimedAs(first.cluster())).contains(ClusterId.of("pr-1"));
        assertThat(again.created()).isFalse();
        assertThat(again.cluster().id()).isEqualTo(first.cluster().id());
        assertThat(p.status("ci").claimed()).isEqualTo(1);
    }

    @Test
    @DisplayName("N concurrent claims for M members hand each member out once; the rest fall back to normal claims")
    void concurrentClaimsNeverShareAMember() throws Exception {
        WarmPools p = pools(ci(4));
        fill(p);
        int claims = 12;
        ExecutorService threads = Executors.newFixedThreadPool(claims);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ClaimOutcome>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < claims; i++) {
                String id = "race-" + i;
                answers.add(threads.submit((Callable<ClaimOutcome>) () -> {
                    go.await();
                    return p.submit(claim(id), Optional.of("ci"));
                }));
            }
            go.countDown();
            List<Cluster> got = new ArrayList<>();
            for (Future<ClaimOutcome> f : answers) {
                got.add(f.get(60, TimeUnit.SECONDS).cluster());
            }
            List<Cluster> fromPool = got.stream().filter(c -> PoolMembership.pool(c).isPresent()).toList();
            assertThat(fromPool).hasSize(4);
            Set<ClusterId> members = new HashSet<>();
            fromPool.forEach(c -> members.add(c.id()));
            assertThat(members).as("each member handed out once").hasSize(4);
            for (Cluster c : fromPool) {
                assertThat(repository.find(c.id()).flatMap(PoolMembership::claimedAs)).contains(PoolMembership.claimedAs(c).orElseThrow());
            }
            assertThat(got.stream().filter(c -> PoolMembership.pool(c).isEmpty()).map(Cluster::phase))
                    .as("the others became ordinary claims").hasSize(8).containsOnly(Phase.REQUESTED);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    @DisplayName("idle members are hibernated; a claim resumes one, checks /readyz and records the resume")
    void hibernatedMemberIsResumedOnClaim() {
        WarmPools p = pools(ci(2, Optional.of(Duration.ofMinutes(30)), WhenEmpty.FALLBACK));
        fill(p);
        assertThat(p.tick().hibernated()).as("not idle long enough yet").isEmpty();
        clock.advance(Duration.ofMinutes(31));
        List<ClusterId> slept = p.tick().hibernated();
        assertThat(slept).hasSize(2);
        slept.forEach(id -> assertThat(backend.isStopped(id)).isTrue());
        assertThat(p.status("ci").hibernated()).isEqualTo(2);

        Cluster c = p.submit(claim("pr-7"), Optional.of("ci")).cluster();

        assertThat(backend.isStopped(c.id())).isFalse();
        assertThat(PoolMembership.hibernated(c)).isFalse();
        assertThat(c.timeline()).anySatisfy(e -> assertThat(e.message()).contains("resumed from hibernation in"));
        assertThat(c.timeline()).anySatisfy(e -> assertThat(e.message()).contains("/readyz answered ok"));
        assertThat(workload.accepts(serverOf(c), repository.credential(c.id(), Credentials.CI_TOKEN).orElseThrow().reveal())).isTrue();
    }

    @Test
    @DisplayName("a member that does not wake within resume-timeout is deleted and replaced, and the claim gets the next one")
    void aMemberThatNeverWakesIsReplaced() {
        WarmPools p = pools(ci(2, Optional.of(Duration.ofMinutes(30)), WhenEmpty.FALLBACK));
        fill(p);
        clock.advance(Duration.ofMinutes(31));
        List<ClusterId> slept = p.tick().hibernated();
        assertThat(slept).hasSize(2);
        slept.forEach(backend::neverWake);

        Cluster c = p.submit(claim("pr-8"), Optional.of("ci")).cluster();

        assertThat(PoolMembership.pool(c)).as("both members failed to wake: the claim fell back").isEmpty();
        for (ClusterId id : slept) {
            Cluster dead = repository.find(id).orElseThrow();
            assertThat(dead.phase()).isEqualTo(Phase.DELETING);
            assertThat(dead.timeline().get(dead.timeline().size() - 1).message()).contains("did not wake within resume-timeout");
            reconciler.runUntilSettled(id, clock.instant().plus(Duration.ofMinutes(5)), x -> { });
        }
        fill(p);
        assertThat(p.status("ci").ready()).as("replaced").isEqualTo(2);
        assertThat(p.status("ci").members()).extracting(WarmPoolStatus.Member::id).doesNotContainAnyElementsOf(
                slept.stream().map(ClusterId::value).toList());
    }

    @Test
    @DisplayName("with when-empty: wait a claim waits for a member coming up, and gives up with TIMEOUT after wait-timeout")
    void waitModeWaitsForAMember() {
        WarmPools p = pools(ci(1, Optional.empty(), WhenEmpty.WAIT));
        List<ClusterId> coming = p.tick().created();
        assertThat(coming).hasSize(1);
        // The "driver" brings the member up during the claim's first pause.
        p.setSleeper(d -> {
            clock.advance(d);
            reconciler.runUntilSettled(coming.get(0), clock.instant().plus(Duration.ofMinutes(5)), x -> { });
        });
        assertThat(p.submit(claim("pr-9"), Optional.of("ci")).cluster().id()).isEqualTo(coming.get(0));

        p.setSleeper(clock::advance);
        Instant before = clock.instant();
        assertThatThrownBy(() -> p.submit(claim("pr-10"), Optional.of("ci")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT))
                .hasMessageContaining("ephemera warm-pool show ci");
        assertThat(clock.instant()).isAfterOrEqualTo(before.plus(Duration.ofMinutes(3)));
    }

    @Test
    @DisplayName("an empty pool with when-empty: fallback makes an ordinary claim with the pool's spec")
    void emptyPoolFallsBack() {
        WarmPools p = pools(ci(0, Optional.empty(), WhenEmpty.FALLBACK));
        ClaimOutcome o = p.submit(claim("pr-11"), Optional.of("ci"));
        assertThat(o.created()).isTrue();
        assertThat(o.cluster().id()).isEqualTo(ClusterId.of("pr-11"));
        assertThat(o.cluster().phase()).isEqualTo(Phase.REQUESTED);
        assertThat(o.cluster().expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(2)));
    }

    @Test
    @DisplayName("bad claims are refused and change nothing: unknown pool, other backend, ttl beyond the pool's maximum")
    void badClaimsAreRefused() {
        WarmPools p = pools(ci(1));
        fill(p);
        assertThatThrownBy(() -> p.submit(claim("pr-12"), Optional.of("nope")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("configured: ci");
        ClaimRequest other = new ClaimRequest(ClusterId.of("pr-12"), Optional.empty(), "hetzner", ClusterSpec.defaults(), Optional.empty(),
                List.of(), false);
        assertThatThrownBy(() -> p.submit(other, Optional.of("ci")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
        ClaimRequest tooLong = new ClaimRequest(ClusterId.of("pr-12"), Optional.empty(), "memory", ClusterSpec.defaults(),
                Optional.of(Duration.ofDays(2)), List.of(), false);
        assertThatThrownBy(() -> p.submit(tooLong, Optional.of("ci")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("claim-lifetime.maximum");
        assertThat(p.status("ci").ready()).isEqualTo(1);
        assertThat(repository.find(ClusterId.of("pr-12"))).isEmpty();
    }

    @Test
    @DisplayName("a pool that hibernates on a backend without the capability (proxmox-capi) is refused with a clear not-supported line")
    void hibernationWhereTheBackendCannotIsRefused() {
        dev.ephemera.ports.backend.ClusterBackend cannot = new dev.ephemera.ports.backend.ClusterBackend() {
            @Override
            public dev.ephemera.ports.backend.BackendTraits traits() {
                return backend.traits();
            }

            @Override
            public dev.ephemera.domain.cluster.BackendRef ensure(dev.ephemera.ports.backend.ProvisionRequest request) {
                return backend.ensure(request);
            }

            @Override
            public dev.ephemera.ports.backend.Observation observe(ClusterId id) {
                return backend.observe(id);
            }

            @Override
            public void destroy(ClusterId id) {
                backend.destroy(id);
            }

            @Override
            public List<dev.ephemera.ports.backend.OwnedResource> owned() {
                return backend.owned();
            }
        };
        WarmPoolSpec sleepy = new WarmPoolSpec("ci", "proxmox-capi", ClusterSpec.defaults(), 1, 2, 1, Duration.ofHours(1),
                Duration.ofHours(2), Optional.of(Duration.ofMinutes(10)), Duration.ofMinutes(1), WhenEmpty.FALLBACK, Duration.ofMinutes(1));
        WarmPools p = new WarmPools(repository, () -> SingleAdapterLookups.backends("proxmox-capi", cannot), () -> workload,
                () -> SingleAdapterLookups.sinks("memory", sink), clusters, policies, controlPlane, clock, events,
                new WarmPoolSettings(List.of(sleepy), WarmPoolSettings.DEFAULT_INTERVAL));
        assertThatThrownBy(p::requireUsable)
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessage("warm-pools.ci.hibernate-after: backend proxmox-capi cannot hibernate clusters (not supported: it cannot stop"
                        + " and start a cluster's nodes); remove hibernate-after from the pool");
        WarmPools awake = pools(ci(1));
        awake.requireUsable();
    }
}
