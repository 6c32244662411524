package dev.ephemera.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.error.PoolExhaustedException;
import dev.ephemera.domain.lease.Ipv4Address;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LeaseStore} must do, whatever keeps the data: create a pool once, read it
 * with its version, write only through compare-and-set, and never hand out one address twice
 * however many threads (or store instances) race. An adapter's test is a short subclass.
 */
@DisplayName("A lease store")
public abstract class LeaseStoreContract {

    /** A fresh, empty store; called once per test. */
    protected abstract LeaseStore newStore();

    /**
     * A second store over the same data, as another process would open it (for SQLite: another
     * instance on the same database file). The default shares the instance itself.
     */
    protected LeaseStore newStoreSharingStateWith(LeaseStore first) {
        return first;
    }

    /** How many allocators race in the concurrency tests. */
    protected int concurrentAllocators() {
        return 16;
    }

    /** How many addresses the contended pool has; must be below {@link #concurrentAllocators()}. */
    protected int contendedPoolSize() {
        return 10;
    }

    /** How long a concurrency test may take before it counts as hung. */
    protected Duration concurrencyDeadline() {
        return Duration.ofSeconds(60);
    }

    protected static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123456789Z");

    protected LeaseStore store;
    private final List<LeaseStore> extraStores = new ArrayList<>();

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStores() {
        for (LeaseStore s : extraStores) {
            if (s != store) {
                s.close();
            }
        }
        if (store != null) {
            store.close();
        }
    }

    protected LeaseStore secondStore() {
        LeaseStore other = newStoreSharingStateWith(store);
        extraStores.add(other);
        return other;
    }

    protected static PoolState pool(String name, String range, String... exclusions) {
        return PoolState.empty(PoolDefinition.ofRange(name, range, List.of(exclusions)));
    }

    /** A pool of {@code size} addresses starting at 10.20.0.1. */
    protected static PoolState poolOfSize(String name, int size) {
        return PoolState.empty(PoolDefinition.ofRange(name, "10.20.0.1-" + new Ipv4Address(Ipv4Address.parse("10.20.0.1").value() + size - 1), List.of()));
    }

    @Nested
    @DisplayName("creating a pool")
    class Creating {
        @Test
        @DisplayName("stores the initial state, readable with a version")
        void storesTheInitialState() {
            PoolState initial = pool("lab", "10.0.0.1-10.0.0.3", "10.0.0.2");

            assertThat(store.create(initial)).isTrue();

            Optional<Versioned<PoolState>> read = store.read("lab");
            assertThat(read).isPresent();
            assertThat(read.get().value()).isEqualTo(initial);
            assertThat(read.get().value().definition().exclusions()).containsExactly(Ipv4Address.parse("10.0.0.2"));
        }

        @Test
        @DisplayName("a second create of the same name returns false and keeps the first pool")
        void duplicateCreateReturnsFalse() {
            PoolState first = pool("lab", "10.0.0.1-10.0.0.3");
            store.create(first);
            Versioned<PoolState> before = store.read("lab").orElseThrow();

            assertThat(store.create(pool("lab", "10.9.9.1-10.9.9.9"))).isFalse();

            Versioned<PoolState> after = store.read("lab").orElseThrow();
            assertThat(after.value()).isEqualTo(first);
            assertThat(after.version()).isEqualTo(before.version());
        }

        @Test
        @DisplayName("keeps leases, grant times and expiries exactly")
        void keepsLeasesExactly() {
            PoolState withLeases = pool("lab", "10.0.0.1-10.0.0.5")
                    .allocate("ci-job-1", T0, Optional.empty()).next()
                    .allocate("ci-job-2", T0.plusNanos(1), Optional.of(Duration.ofMinutes(90))).next();

            store.create(withLeases);

            PoolState read = store.read("lab").orElseThrow().value();
            assertThat(read).isEqualTo(withLeases);
            assertThat(read.leaseOf("ci-job-2").orElseThrow().expiresAt()).contains(T0.plusNanos(1).plus(Duration.ofMinutes(90)));
        }
    }

    @Nested
    @DisplayName("reading")
    class Reading {
        @Test
        @DisplayName("an unknown pool is empty, not an error")
        void unknownPoolIsEmpty() {
            assertThat(store.read("nope")).isEmpty();
        }

        @Test
        @DisplayName("lists pool names sorted")
        void listsPoolsSorted() {
            store.create(pool("zeta", "10.0.3.1-10.0.3.2"));
            store.create(pool("alpha", "10.0.1.1-10.0.1.2"));
            store.create(pool("mid", "10.0.2.1-10.0.2.2"));

            assertThat(store.pools()).containsExactly("alpha", "mid", "zeta");
        }

        @Test
        @DisplayName("lists nothing when there are no pools")
        void listsNothing() {
            assertThat(store.pools()).isEmpty();
        }

        @Test
        @DisplayName("reports itself healthy")
        void isHealthy() {
            assertThat(store.health().up()).as(store.health().detail()).isTrue();
        }
    }

    @Nested
    @DisplayName("compare-and-set")
    class CompareAndSet {
        @Test
        @DisplayName("with the current version writes the state and moves the version on")
        void writesWithCurrentVersion() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3"));
            Versioned<PoolState> v1 = store.read("lab").orElseThrow();
            PoolState next = v1.value().allocate("holder-a", T0, Optional.empty()).next();

            assertThat(store.compareAndSet("lab", v1.version(), next)).isTrue();

            Versioned<PoolState> v2 = store.read("lab").orElseThrow();
            assertThat(v2.value()).isEqualTo(next);
            assertThat(v2.version()).isGreaterThan(v1.version());
        }

        @Test
        @DisplayName("with a stale version returns false and changes nothing")
        void staleVersionChangesNothing() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3"));
            Versioned<PoolState> v1 = store.read("lab").orElseThrow();
            PoolState first = v1.value().allocate("holder-a", T0, Optional.empty()).next();
            assertThat(store.compareAndSet("lab", v1.version(), first)).isTrue();
            Versioned<PoolState> v2 = store.read("lab").orElseThrow();

            PoolState competing = v1.value().allocate("holder-b", T0, Optional.empty()).next();
            assertThat(store.compareAndSet("lab", v1.version(), competing)).isFalse();

            Versioned<PoolState> after = store.read("lab").orElseThrow();
            assertThat(after.value()).isEqualTo(first);
            assertThat(after.version()).isEqualTo(v2.version());
        }

        @Test
        @DisplayName("every successful write gets a version never seen before")
        void versionsNeverRepeat() {
            store.create(pool("lab", "10.0.0.1-10.0.0.9"));
            Set<Long> seen = new HashSet<>();
            Versioned<PoolState> current = store.read("lab").orElseThrow();
            seen.add(current.version());
            for (int i = 0; i < 5; i++) {
                PoolState next = current.value().allocate("h" + i, T0, Optional.empty()).next();
                assertThat(store.compareAndSet("lab", current.version(), next)).isTrue();
                current = store.read("lab").orElseThrow();
                assertThat(seen.add(current.version())).as("version %d reused", current.version()).isTrue();
            }
        }

        @Test
        @DisplayName("refuses to write one pool's state under another pool's name, with INVALID")
        void refusesMismatchedName() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3"));
            store.create(pool("other", "10.0.1.1-10.0.1.3"));
            Versioned<PoolState> lab = store.read("lab").orElseThrow();
            PoolState otherState = store.read("other").orElseThrow().value();

            assertThatThrownBy(() -> store.compareAndSet("lab", lab.version(), otherState))
                    .isInstanceOf(EphemeraException.class)
                    .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID));
            assertThat(store.read("lab").orElseThrow()).isEqualTo(lab);
        }

        @Test
        @DisplayName("on a pool that does not exist fails with NOT_FOUND")
        void missingPoolIsNotFound() {
            PoolState next = pool("ghost", "10.0.0.1-10.0.0.3");

            assertThatThrownBy(() -> store.compareAndSet("ghost", 1, next))
                    .isInstanceOf(EphemeraException.class)
                    .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            assertThat(store.read("ghost")).isEmpty();
        }
    }

    @Nested
    @DisplayName("deleting")
    class Deleting {
        @Test
        @DisplayName("removes the pool and its leases, and answers true")
        void deletesThePool() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3").allocate("h", T0, Optional.empty()).next());
            store.create(pool("other", "10.0.1.1-10.0.1.3"));

            assertThat(store.delete("lab")).isTrue();

            assertThat(store.read("lab")).isEmpty();
            assertThat(store.pools()).containsExactly("other");
        }

        @Test
        @DisplayName("a pool that is not there answers false")
        void deletingAbsentPoolIsFalse() {
            assertThat(store.delete("nope")).isFalse();
        }

        @Test
        @DisplayName("a pool deleted and created again refuses a write based on a read of the old pool")
        void recreatedPoolRefusesStaleVersion() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3"));
            Versioned<PoolState> old = store.read("lab").orElseThrow();
            store.delete("lab");
            store.create(pool("lab", "10.0.0.1-10.0.0.3"));

            PoolState basedOnOld = old.value().allocate("stale-holder", T0, Optional.empty()).next();

            assertThat(store.compareAndSet("lab", old.version(), basedOnOld)).isFalse();
            assertThat(store.read("lab").orElseThrow().value().leases()).isEmpty();
        }

        @Test
        @DisplayName("a deleted pool can be created again, empty")
        void recreateAfterDelete() {
            store.create(pool("lab", "10.0.0.1-10.0.0.3").allocate("h", T0, Optional.empty()).next());
            store.delete("lab");

            assertThat(store.create(pool("lab", "10.0.0.1-10.0.0.3"))).isTrue();
            assertThat(store.read("lab").orElseThrow().value().leases()).isEmpty();
        }
    }

    @Nested
    @DisplayName("under contention")
    class UnderContention {
        @Test
        @DisplayName("racing allocators get exactly as many distinct addresses as the pool holds, and the rest a clean 'pool exhausted'")
        void racingAllocatorsNeverShareAnAddress() throws Exception {
            int size = contendedPoolSize();
            store.create(poolOfSize("contended", size));

            Outcome outcome = race(i -> store);

            outcome.assertExactlyOnePerAddress(size, concurrentAllocators());
            outcome.assertStoredStateAgrees(store.read("contended").orElseThrow().value(), size);
        }

        @Test
        @DisplayName("two store instances over the same data never hand out one address twice")
        void twoInstancesNeverShareAnAddress() throws Exception {
            int size = contendedPoolSize();
            store.create(poolOfSize("contended", size));
            LeaseStore other = secondStore();

            Outcome outcome = race(i -> i % 2 == 0 ? store : other);

            outcome.assertExactlyOnePerAddress(size, concurrentAllocators());
            outcome.assertStoredStateAgrees(other.read("contended").orElseThrow().value(), size);
            assertThat(other.read("contended").orElseThrow().version()).isEqualTo(store.read("contended").orElseThrow().version());
        }

        @Test
        @DisplayName("a holder racing against itself still gets one address")
        void sameHolderRacingGetsOneAddress() throws Exception {
            store.create(poolOfSize("contended", contendedPoolSize()));
            int n = concurrentAllocators();
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Lease>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        return new CasAllocator(store).allocate("contended", "same-holder", Optional.empty());
                    }));
                }
                assertThat(ready.await(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                go.countDown();
                Set<Ipv4Address> addresses = new HashSet<>();
                for (Future<Lease> f : futures) {
                    addresses.add(f.get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS).address());
                }
                assertThat(addresses).hasSize(1);
                assertThat(store.read("contended").orElseThrow().value().leases()).hasSize(1);
            } finally {
                pool.shutdownNow();
            }
        }

        @Test
        @DisplayName("concurrent releases and re-allocations keep every address with at most one holder")
        void releaseAndReallocateStaysConsistent() throws Exception {
            int size = contendedPoolSize();
            store.create(poolOfSize("contended", size));
            int n = concurrentAllocators();
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Optional<Lease>>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String holder = "cycler-" + i;
                    futures.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        CasAllocator allocator = new CasAllocator(store);
                        Optional<Lease> last = Optional.empty();
                        for (int round = 0; round < 5; round++) {
                            try {
                                last = Optional.of(allocator.allocate("contended", holder, Optional.empty()));
                            } catch (PoolExhaustedException e) {
                                last = Optional.empty();
                            }
                            if (round < 4) {
                                allocator.release("contended", holder);
                            }
                        }
                        return last;
                    }));
                }
                assertThat(ready.await(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                go.countDown();
                Map<String, Ipv4Address> held = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    Optional<Lease> l = futures.get(i).get(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS);
                    l.ifPresent(lease -> held.put(lease.holder(), lease.address()));
                }
                PoolState stored = store.read("contended").orElseThrow().value();
                assertThat(new HashSet<>(held.values())).hasSize(held.size());
                assertThat(stored.leases()).hasSize(held.size());
                for (Lease l : stored.leases()) {
                    assertThat(held).containsEntry(l.holder(), l.address());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Starts {@link #concurrentAllocators()} threads behind one start gate, each allocating for
     * its own holder through the store {@code storeFor} gives it.
     */
    private Outcome race(IntFunction<LeaseStore> storeFor) throws Exception {
        int n = concurrentAllocators();
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Lease>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String holder = String.format("allocator-%02d", i);
                CasAllocator allocator = new CasAllocator(storeFor.apply(i));
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return allocator.allocate("contended", holder, Optional.empty());
                }));
            }
            assertThat(ready.await(concurrencyDeadline().toMillis(), TimeUnit.MILLISECONDS)).as("all allocators ready").isTrue();
            go.countDown();
            Outcome outcome = new Outcome();
            long deadline = System.nanoTime() + concurrencyDeadline().toNanos();
            for (Future<Lease> f : futures) {
                try {
                    outcome.leases.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    outcome.failures.add(e.getCause());
                }
            }
            return outcome;
        } finally {
            pool.shutdownNow();
        }
    }

    private static final class Outcome {
        final List<Lease> leases = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();

        void assertExactlyOnePerAddress(int poolSize, int allocators) {
            assertThat(failures).as("failures").allSatisfy(f -> assertThat(f).isInstanceOf(PoolExhaustedException.class));
            assertThat(leases).as("successful allocations").hasSize(poolSize);
            assertThat(leases.stream().map(Lease::address).distinct()).as("distinct addresses").hasSize(poolSize);
            assertThat(failures).as("pool exhausted errors").hasSize(allocators - poolSize);
        }

        void assertStoredStateAgrees(PoolState stored, int poolSize) {
            assertThat(stored.leases()).hasSize(poolSize);
            assertThat(stored.leases().stream().map(Lease::address).distinct()).hasSize(poolSize);
            for (Lease l : leases) {
                assertThat(stored.leaseOf(l.holder())).as("stored lease of %s", l.holder()).contains(l);
            }
        }
    }
}
