package dev.ephemera.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.cluster.LeaseRef;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ClusterRepository} must do: keep every field of a cluster record exactly,
 * save only over the version the caller read (optimistic concurrency, no lost update), and keep
 * a cluster's credentials with it. An adapter's test is a short subclass.
 */
@DisplayName("A cluster repository")
public abstract class ClusterRepositoryContract {

    /** A fresh, empty repository; called once per test. */
    protected abstract ClusterRepository newRepository();

    /**
     * A second repository over the same data, as another process would open it (for SQLite:
     * another instance on the same database file). The default shares the instance itself.
     */
    protected ClusterRepository newRepositorySharingStateWith(ClusterRepository first) {
        return first;
    }

    private final List<ClusterRepository> extraRepositories = new ArrayList<>();

    protected ClusterRepository secondRepository() {
        ClusterRepository other = newRepositorySharingStateWith(repository);
        extraRepositories.add(other);
        return other;
    }

    /** How many writers race in the concurrency test. */
    protected int concurrentWriters() {
        return 8;
    }

    /** How long a concurrency test may take before it counts as hung. */
    protected Duration concurrencyDeadline() {
        return Duration.ofSeconds(60);
    }

    protected static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123456789Z");

    protected ClusterRepository repository;

    @BeforeEach
    void openRepository() {
        repository = newRepository();
    }

    @AfterEach
    void closeRepository() {
        for (ClusterRepository r : extraRepositories) {
            if (r != repository) {
                r.close();
            }
        }
        if (repository != null) {
            repository.close();
        }
    }

    /** A freshly claimed record (version 0) with only the required fields. */
    protected static Cluster minimal(String id) {
        return Cluster.requested(ClusterId.of(id), Optional.empty(), "kind", ClusterSpec.defaults(), T0, Duration.ofDays(3));
    }

    /** A record with every optional field present, a long timeline and nanosecond timestamps. */
    protected static Cluster complete(String id) {
        ClusterSpec spec = new ClusterSpec(Optional.of("v1.30.6+k3s1"), Optional.of("cpx31"), Optional.of("fsn1"),
                Map.of("team", "shop", "ephemera.dev/purpose", "e2e", "empty", ""), List.of("cert-manager", "ingress-nginx"),
                List.of("shop:pr-42", "localhost:5000/shop-tests:pr-42"));
        Cluster c = Cluster.requested(ClusterId.of(id), Optional.of(Owner.parse("acme/shop#42")), "hetzner", spec, T0,
                        Duration.ofDays(3))
                .moveTo(Phase.PROVISIONING, T0.plusMillis(1), "server ordered")
                .withBackendRef(new BackendRef("hetzner", "4711"))
                .withLease(Optional.of(new LeaseRef("lab", "10.0.0.7")))
                .moveTo(Phase.BOOTSTRAPPING, T0.plusSeconds(30).plusNanos(7), "K3s installing: \"quotes\", ümlauts and\nnewlines")
                .withEndpoint(new Endpoint(URI.create("https://10.0.0.7:6443"), Optional.of(id + ".k8s.example.com"), Optional.of("10.0.0.7")))
                .moveTo(Phase.READY, T0.plusSeconds(95), "API answers /readyz")
                .withHeartbeat(Optional.of(Duration.ofMinutes(10)), T0.plusSeconds(5).plusNanos(3))
                .renew(T0.plusSeconds(65).plusNanos(11))
                .release(T0.plusSeconds(3600), Duration.ofHours(1), "pull request closed")
                .moveTo(Phase.FAILED, T0.plusSeconds(3700), "DNS record never appeared")
                .withKeepOnFailure(true)
                .withSinks(List.of(new SinkTarget("github", "acme/shop", Optional.of("pr-42"), "E2E_KUBECONFIG"),
                        SinkTarget.parse("file::kubeconfig")));
        return c;
    }

    private static EphemeraException ephemeraFailure(Runnable r) {
        Throwable t = catchThrowable(r::run);
        assertThat(t).isInstanceOf(EphemeraException.class);
        return (EphemeraException) t;
    }

    @Nested
    @DisplayName("inserting")
    class Inserting {
        @Test
        @DisplayName("stores a new record and returns it with version 1")
        void insertReturnsVersionOne() {
            Cluster stored = repository.insert(minimal("pr-1-shop"));

            assertThat(stored.version()).isEqualTo(1);
            assertThat(repository.find(ClusterId.of("pr-1-shop"))).contains(stored);
        }

        @Test
        @DisplayName("keeps every field exactly, optional ones included")
        void keepsEveryField() throws ReflectiveOperationException {
            Cluster complete = complete("pr-42-shop");
            // Guard the kit itself: the sample must fill every field, so a field added to Cluster
            // later fails here until the sample (and every repository's codec) carries it.
            for (RecordComponent rc : Cluster.class.getRecordComponents()) {
                Object v = rc.getAccessor().invoke(complete);
                if (v instanceof Optional<?> o) {
                    assertThat(o).as("sample field %s", rc.getName()).isPresent();
                } else if (v instanceof Collection<?> col) {
                    assertThat(col).as("sample field %s", rc.getName()).hasSizeGreaterThan(1);
                }
            }
            assertThat(complete.owner().orElseThrow().pullRequest()).contains(42);
            assertThat(complete.endpoint().orElseThrow().dnsName()).isPresent();
            assertThat(complete.keepOnFailure()).isTrue();

            Cluster stored = repository.insert(complete);

            assertThat(stored).isEqualTo(complete.withVersion(1));
            assertThat(repository.find(complete.id())).contains(complete.withVersion(1));
        }

        @Test
        @DisplayName("keeps absent optional fields absent")
        void keepsAbsentFieldsAbsent() {
            Cluster stored = repository.insert(minimal("bare"));

            Cluster read = repository.find(ClusterId.of("bare")).orElseThrow();
            assertThat(read).isEqualTo(stored);
            assertThat(read.owner()).isEmpty();
            assertThat(read.endpoint()).isEmpty();
            assertThat(read.readyAt()).isEmpty();
            assertThat(read.spec().labels()).isEmpty();
        }

        @Test
        @DisplayName("an id that exists already fails with CONFLICT and changes nothing")
        void duplicateInsertConflicts() {
            Cluster first = repository.insert(minimal("pr-1-shop"));

            EphemeraException e = ephemeraFailure(() -> repository.insert(complete("pr-1-shop")));

            assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(repository.find(ClusterId.of("pr-1-shop"))).contains(first);
        }

        @Test
        @DisplayName("a record that claims to be stored already (version above 0) is refused with INVALID")
        void insertOfVersionedRecordIsInvalid() {
            EphemeraException e = ephemeraFailure(() -> repository.insert(minimal("pr-1-shop").withVersion(3)));

            assertThat(e.code()).isEqualTo(ErrorCode.INVALID);
            assertThat(repository.find(ClusterId.of("pr-1-shop"))).isEmpty();
        }
    }

    @Nested
    @DisplayName("updating")
    class Updating {
        @Test
        @DisplayName("with the stored version saves the record and returns it with the next version")
        void updateWithMatchingVersion() {
            Cluster v1 = repository.insert(minimal("pr-7-app"));
            Cluster changed = v1.moveTo(Phase.PROVISIONING, T0.plusSeconds(1), "ordered").withBackendRef(new BackendRef("kind", "pr-7-app"));

            Cluster v2 = repository.update(changed);

            assertThat(v2.version()).isEqualTo(2);
            assertThat(v2).isEqualTo(changed.withVersion(2));
            assertThat(repository.find(v1.id())).contains(v2);
        }

        @Test
        @DisplayName("round-trips a record gaining every optional field")
        void roundTripsEveryFieldOnUpdate() {
            Cluster v1 = repository.insert(minimal("pr-42-shop"));
            Cluster full = complete("pr-42-shop").withVersion(v1.version());

            Cluster v2 = repository.update(full);

            assertThat(repository.find(v1.id())).contains(full.withVersion(2)).contains(v2);
        }

        @Test
        @DisplayName("with a stale version fails with CONFLICT and leaves the stored record as it was")
        void staleUpdateConflicts() {
            Cluster v1 = repository.insert(minimal("pr-7-app"));
            Cluster v2 = repository.update(v1.note(T0.plusSeconds(1), "first writer"));

            EphemeraException e = ephemeraFailure(() -> repository.update(v1.note(T0.plusSeconds(2), "second writer")));

            assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(repository.find(v1.id())).contains(v2);
        }

        @Test
        @DisplayName("of a record that does not exist fails with NOT_FOUND and creates nothing")
        void updateOfUnknownIsNotFound() {
            EphemeraException e = ephemeraFailure(() -> repository.update(minimal("ghost").withVersion(1)));

            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(repository.find(ClusterId.of("ghost"))).isEmpty();
        }

        @Test
        @DisplayName("racing writers from the same version: exactly one wins, the others get CONFLICT")
        void racingWritersOneWins() throws Exception {
            Cluster v1 = repository.insert(minimal("contended"));
            int n = concurrentWriters();
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Cluster>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Cluster mine = v1.note(T0.plusSeconds(1), "writer " + i);
                    futures.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return repository.update(mine);
                    }));
                }
                assertThat(ready.await(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                go.countDown();
                List<Cluster> winners = new ArrayList<>();
                List<Throwable> losers = new ArrayList<>();
                for (Future<Cluster> f : futures) {
                    try {
                        winners.add(f.get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS));
                    } catch (ExecutionException e) {
                        losers.add(e.getCause());
                    }
                }
                assertThat(winners).hasSize(1);
                assertThat(losers).hasSize(n - 1).allSatisfy(t -> {
                    assertThat(t).isInstanceOf(EphemeraException.class);
                    assertThat(((EphemeraException) t).code()).isEqualTo(ErrorCode.CONFLICT);
                });
                assertThat(winners.get(0).version()).isEqualTo(2);
                assertThat(repository.find(v1.id())).contains(winners.get(0));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Nested
    @DisplayName("finding and listing")
    class FindingAndListing {
        @Test
        @DisplayName("an unknown id is empty, not an error")
        void findAbsentIsEmpty() {
            assertThat(repository.find(ClusterId.of("nope"))).isEmpty();
        }

        @Test
        @DisplayName("lists every record ordered by id")
        void listsOrderedById() {
            repository.insert(minimal("pr-9"));
            repository.insert(minimal("pr-10"));
            repository.insert(complete("alpha"));

            assertThat(repository.list()).extracting(c -> c.id().value()).containsExactly("alpha", "pr-10", "pr-9");
        }

        @Test
        @DisplayName("counts live clusters, on all backends or on one, leaving Deleted ones out")
        void countsLive() {
            assertThat(repository.countLive(Optional.empty())).isZero();
            repository.insert(minimal("a"));
            repository.insert(minimal("b"));
            repository.insert(complete("c"));
            Cluster gone = repository.update(repository.find(ClusterId.of("b")).orElseThrow()
                    .moveTo(Phase.DELETING, T0.plusSeconds(1), "delete").moveTo(Phase.DELETED, T0.plusSeconds(2), "gone"));
            assertThat(gone.phase()).isEqualTo(Phase.DELETED);
            assertThat(repository.countLive(Optional.empty())).isEqualTo(2);
            assertThat(repository.countLive(Optional.of("kind"))).isEqualTo(1);
            assertThat(repository.countLive(Optional.of("hetzner"))).isEqualTo(1);
            assertThat(repository.countLive(Optional.of("proxmox"))).isZero();
        }

        @Test
        @DisplayName("lists nothing when empty")
        void listsNothing() {
            assertThat(repository.list()).isEmpty();
        }

        @Test
        @DisplayName("reports itself healthy")
        void isHealthy() {
            assertThat(repository.health().up()).as(repository.health().detail()).isTrue();
        }
    }

    /** A claim on {@code backend}, counting against the limits. */
    protected static Cluster claimOn(String id, String backend) {
        return Cluster.requested(ClusterId.of(id), Optional.empty(), backend, ClusterSpec.defaults(), T0, Duration.ofDays(3));
    }

    /** Races {@code n} inserts within {@code limits}, half through {@code a} and half through {@code b}; returns how many were stored. */
    private int raceInserts(int n, Limits limits, ClusterRepository a, ClusterRepository b) throws Exception {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Cluster>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ClusterRepository via = i % 2 == 0 ? a : b;
                Cluster mine = claimOn("claim-" + i, "kind");
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return via.insertWithin(mine, limits);
                }));
            }
            assertThat(ready.await(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            go.countDown();
            int stored = 0;
            for (Future<Cluster> f : futures) {
                try {
                    f.get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS);
                    stored++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(EphemeraException.class);
                    assertThat(((EphemeraException) e.getCause()).code()).as(e.getCause().getMessage()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
                }
            }
            return stored;
        } finally {
            pool.shutdownNow();
        }
    }

    @Nested
    @DisplayName("concurrency limits")
    class ConcurrencyLimits {
        @Test
        @DisplayName("20 claims racing for a cap of 10 leave exactly 10 live clusters; the others get LIMIT_EXCEEDED")
        void racingClaimsNeverOvershootTheCap() throws Exception {
            int stored = raceInserts(20, new Limits(10, 10), repository, repository);

            assertThat(stored).isEqualTo(10);
            assertThat(repository.countLive(Optional.empty())).isEqualTo(10);
            assertThat(repository.list()).hasSize(10);
        }

        @Test
        @DisplayName("two repository instances on the same data (two processes) never overshoot the cap together")
        void racingClaimsFromTwoInstancesNeverOvershootTheCap() throws Exception {
            ClusterRepository other = secondRepository();

            int stored = raceInserts(20, new Limits(10, 10), repository, other);

            assertThat(stored).isEqualTo(10);
            assertThat(other.countLive(Optional.empty())).isEqualTo(10);
            assertThat(repository.countLive(Optional.empty())).isEqualTo(10);
        }

        @Test
        @DisplayName("the per-backend cap holds on its backend and leaves others alone")
        void perBackendCap() {
            Limits limits = new Limits(10, 1);
            repository.insertWithin(claimOn("a", "kind"), limits);

            EphemeraException e = ephemeraFailure(() -> repository.insertWithin(claimOn("b", "kind"), limits));

            assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
            assertThat(e.getMessage()).contains("kind");
            assertThat(repository.find(ClusterId.of("b"))).isEmpty();
            assertThat(repository.insertWithin(claimOn("c", "hetzner"), limits).version()).isEqualTo(1);
        }

        @Test
        @DisplayName("Queued and Deleted clusters do not count; a Queued one is stored even when the cap is full")
        void queuedAndDeletedDoNotCount() {
            Limits one = new Limits(1, 1);
            Cluster a = repository.insertWithin(claimOn("a", "kind"), one);
            Cluster queued = repository.insertWithin(claimOn("q", "kind").moveTo(Phase.QUEUED, T0, "cap full"), one);

            assertThat(queued.phase()).isEqualTo(Phase.QUEUED);
            assertThat(repository.countLive(Optional.empty())).isEqualTo(1);
            repository.update(a.moveTo(Phase.DELETING, T0.plusSeconds(1), "delete").moveTo(Phase.DELETED, T0.plusSeconds(2), "gone"));
            assertThat(repository.countLive(Optional.empty())).isZero();
            assertThat(repository.insertWithin(claimOn("b", "kind"), one).version()).isEqualTo(1);
        }

        @Test
        @DisplayName("a Queued cluster starts only when the cap has room, and racing starts never overshoot it")
        void dequeueingRespectsTheCap() {
            Limits one = new Limits(1, 1);
            Cluster running = repository.insertWithin(claimOn("a", "kind"), one);
            Cluster queued = repository.insert(claimOn("q", "kind").moveTo(Phase.QUEUED, T0, "cap full"));

            EphemeraException full = ephemeraFailure(() -> repository.updateWithin(queued.dequeue(T0.plusSeconds(1)), one));

            assertThat(full.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
            assertThat(repository.find(queued.id())).contains(queued);
            repository.update(running.moveTo(Phase.DELETING, T0.plusSeconds(2), "delete").moveTo(Phase.DELETED, T0.plusSeconds(3), "gone"));
            Cluster started = repository.updateWithin(queued.dequeue(T0.plusSeconds(4)), one);
            assertThat(started.phase()).isEqualTo(Phase.REQUESTED);
            // A change that does not enter the counted phases is saved whatever the count.
            assertThat(repository.updateWithin(started.note(T0.plusSeconds(5), "note"), new Limits(1, 1)).version()).isEqualTo(3);
        }
    }

    @Nested
    @DisplayName("step leases")
    class StepLeases {
        @Test
        @DisplayName("one holder at a time; the holder may extend; others get it after release or expiry")
        void oneHolderAtATime() {
            ClusterId id = repository.insert(minimal("pr-1")).id();
            Duration ttl = Duration.ofSeconds(30);

            assertThat(repository.acquireStepLease(id, "server-a", T0, ttl)).isTrue();
            assertThat(repository.acquireStepLease(id, "server-b", T0.plusSeconds(1), ttl)).isFalse();
            assertThat(repository.acquireStepLease(id, "server-a", T0.plusSeconds(20), ttl)).as("extend").isTrue();
            assertThat(repository.acquireStepLease(id, "server-b", T0.plusSeconds(45), ttl)).as("extended to 50 s").isFalse();
            assertThat(repository.acquireStepLease(id, "server-b", T0.plusSeconds(50), ttl)).as("expired: its holder crashed").isTrue();
            repository.releaseStepLease(id, "server-a"); // not the holder any more: no effect
            assertThat(repository.acquireStepLease(id, "server-a", T0.plusSeconds(51), ttl)).isFalse();
            repository.releaseStepLease(id, "server-b");
            assertThat(repository.acquireStepLease(id, "server-a", T0.plusSeconds(52), ttl)).isTrue();
        }

        @Test
        @DisplayName("leave the record and its version alone, and are refused for an unknown cluster")
        void leaveTheRecordAlone() {
            Cluster v1 = repository.insert(minimal("pr-1"));

            repository.acquireStepLease(v1.id(), "server-a", T0, Duration.ofSeconds(30));

            assertThat(repository.find(v1.id())).contains(v1);
            assertThat(repository.update(v1.note(T0, "stepped")).version()).isEqualTo(2);
            assertThat(repository.acquireStepLease(ClusterId.of("ghost"), "server-a", T0, Duration.ofSeconds(30))).isFalse();
        }

        @Test
        @DisplayName("two instances on the same data (two servers) never both hold one cluster")
        void twoInstancesNeverBothHold() throws Exception {
            ClusterRepository other = secondRepository();
            int n = 20;
            for (int i = 0; i < n; i++) {
                repository.insert(minimal("c-" + i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch go = new CountDownLatch(1);
                Future<List<String>> a = pool.submit(() -> takeAll(repository, "server-a", n, go));
                Future<List<String>> b = pool.submit(() -> takeAll(other, "server-b", n, go));
                go.countDown();
                List<String> byA = a.get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS);
                List<String> byB = b.get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS);
                List<String> both = new ArrayList<>(byA);
                both.retainAll(byB);
                assertThat(both).as("clusters both servers took").isEmpty();
                assertThat(byA.size() + byB.size()).isEqualTo(n);
            } finally {
                pool.shutdownNow();
            }
        }

        private List<String> takeAll(ClusterRepository r, String holder, int n, CountDownLatch go) throws InterruptedException {
            go.await();
            List<String> taken = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (r.acquireStepLease(ClusterId.of("c-" + i), holder, T0, Duration.ofSeconds(30))) {
                    taken.add("c-" + i);
                }
            }
            return taken;
        }
    }

    @Nested
    @DisplayName("deleting")
    class Deleting {
        @Test
        @DisplayName("removes the record and answers true; a second delete answers false")
        void deleteRemoves() {
            repository.insert(minimal("pr-1"));
            repository.insert(minimal("pr-2"));

            assertThat(repository.delete(ClusterId.of("pr-1"))).isTrue();
            assertThat(repository.delete(ClusterId.of("pr-1"))).isFalse();

            assertThat(repository.find(ClusterId.of("pr-1"))).isEmpty();
            assertThat(repository.list()).extracting(c -> c.id().value()).containsExactly("pr-2");
        }

        @Test
        @DisplayName("a deleted id can be inserted again from version 0")
        void reinsertAfterDelete() {
            repository.insert(minimal("pr-1"));
            repository.delete(ClusterId.of("pr-1"));

            assertThat(repository.insert(minimal("pr-1")).version()).isEqualTo(1);
        }

        @Test
        @DisplayName("removes the record's credentials with it")
        void deleteRemovesCredentials() {
            ClusterId id = repository.insert(minimal("pr-1")).id();
            repository.putCredential(id, "ca.key", Secret.of("-----BEGIN EC PRIVATE KEY-----"));

            repository.delete(id);

            assertThat(repository.credential(id, "ca.key")).isEmpty();
        }
    }

    @Nested
    @DisplayName("credentials")
    class Credentials {
        @Test
        @DisplayName("are stored per cluster and name, and read back byte for byte")
        void putThenGet() {
            ClusterId a = repository.insert(minimal("pr-1")).id();
            ClusterId b = repository.insert(minimal("pr-2")).id();
            byte[] binary = {0, 1, 2, (byte) 0xFF, (byte) 0xFE, 10, 13};

            repository.putCredential(a, "ci-token", Secret.of("token-a"));
            repository.putCredential(b, "ci-token", Secret.of("token-b"));
            repository.putCredential(a, "ca.der", Secret.ofBytes(binary));

            assertThat(repository.credential(a, "ci-token")).contains(Secret.of("token-a"));
            assertThat(repository.credential(b, "ci-token")).contains(Secret.of("token-b"));
            assertThat(repository.credential(a, "ca.der").orElseThrow().revealBytes()).containsExactly(binary);
        }

        @Test
        @DisplayName("a second put of the same name replaces the value")
        void putReplaces() {
            ClusterId id = repository.insert(minimal("pr-1")).id();
            repository.putCredential(id, "ci-token", Secret.of("old"));

            repository.putCredential(id, "ci-token", Secret.of("new"));

            assertThat(repository.credential(id, "ci-token")).contains(Secret.of("new"));
        }

        @Test
        @DisplayName("an unknown name is empty")
        void absentIsEmpty() {
            ClusterId id = repository.insert(minimal("pr-1")).id();

            assertThat(repository.credential(id, "nothing")).isEmpty();
        }

        @Test
        @DisplayName("deleteCredentials removes all of one cluster's credentials and no other's, and keeps the record")
        void deleteCredentials() {
            ClusterId a = repository.insert(minimal("pr-1")).id();
            ClusterId b = repository.insert(minimal("pr-2")).id();
            repository.putCredential(a, "one", Secret.of("1"));
            repository.putCredential(a, "two", Secret.of("2"));
            repository.putCredential(b, "one", Secret.of("b1"));

            repository.deleteCredentials(a);
            repository.deleteCredentials(a);

            assertThat(repository.credential(a, "one")).isEmpty();
            assertThat(repository.credential(a, "two")).isEmpty();
            assertThat(repository.credential(b, "one")).contains(Secret.of("b1"));
            assertThat(repository.find(a)).isPresent();
        }

        @Test
        @DisplayName("for a cluster that has no record fail with NOT_FOUND, so no secret is kept for nobody")
        void credentialForUnknownClusterIsNotFound() {
            EphemeraException e = ephemeraFailure(() -> repository.putCredential(ClusterId.of("ghost"), "ci-token", Secret.of("t")));

            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(repository.credential(ClusterId.of("ghost"), "ci-token")).isEmpty();
        }

        @Test
        @DisplayName("do not change the record's version")
        void credentialsLeaveVersionAlone() {
            Cluster v1 = repository.insert(minimal("pr-1"));

            repository.putCredential(v1.id(), "ci-token", Secret.of("t"));

            assertThat(repository.find(v1.id())).contains(v1);
        }
    }
}
