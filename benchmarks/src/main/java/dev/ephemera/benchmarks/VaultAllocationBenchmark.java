package dev.ephemera.benchmarks;

import dev.ephemera.application.IpPools;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IP allocation under contention on the Vault lease store (KV version 2 with check-and-set),
 * against the fake Vault of the testkit running in the same JVM, beside
 * {@link SqliteAllocationBenchmark}. One operation is the same full cycle through the production
 * path ({@link IpPools} over the store the {@code vault} factory makes): allocate an address for
 * the thread's holder, then release it — two compare-and-set writes.
 *
 * <p>Besides throughput, every thread counts its compare-and-set calls that won and lost
 * ({@code casWon}, {@code casLost}, JMH auxiliary counters): {@code casLost / casWon} is the
 * number of CAS retries per successful write (per allocation, per release).
 *
 * <p>Duplicates are checked on the fly as in the SQLite benchmark, and the fake's record of
 * requests that broke Vault's API description must stay empty; either fails the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(16)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 5)
@Measurement(iterations = 4, time = 5)
public class VaultAllocationBenchmark {

    /** Addresses in the pool; above the thread count, so no allocation finds the pool exhausted. */
    @Param({"64"})
    public int poolSize;

    /** {@code shared}: one store (one client, one token) for all threads; {@code per-thread}: each its own, like separate processes. */
    @Param({"shared", "per-thread"})
    public String stores;

    private FakeVault vault;
    private LeaseStore shared;
    private final List<LeaseStore> opened = new ArrayList<>();
    private final AllocationCycle cycle = new AllocationCycle();

    @Setup(Level.Trial)
    public void createPool() {
        vault = FakeVault.builder().threads(48).start();
        shared = open();
        new IpPools(shared, Clock.systemUTC()).create(AllocationCycle.POOL, "10.60.0.1-10.60.0." + poolSize, List.of());
    }

    synchronized LeaseStore open() {
        LeaseStoreFactory factory = AdapterRegistry.discover().factory(LeaseStoreFactory.class, "vault");
        LeaseStore s = factory.create(new Settings("vault", Map.of("address", vault.address().toString(), "token", vault.rootToken())));
        opened.add(s);
        return s;
    }

    @TearDown(Level.Trial)
    public void checkAndClean() {
        List<String> violations = vault.specViolations();
        for (LeaseStore s : opened) {
            s.close();
        }
        vault.close();
        if (!violations.isEmpty()) {
            throw new IllegalStateException("requests broke Vault's API description: " + violations.subList(0, Math.min(5, violations.size())));
        }
        cycle.assertNone();
    }

    /** Per-thread CAS outcomes, summed over threads by JMH for each iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CasCounters {
        public long casWon;
        public long casLost;

        @Setup(Level.Iteration)
        public void reset() {
            casWon = 0;
            casLost = 0;
        }
    }

    /** One allocator: its own holder and counting view of the store (its own store with {@code per-thread}). */
    @State(Scope.Thread)
    public static class Allocator {
        String holder;
        IpPools pools;

        @Setup(Level.Trial)
        public void open(VaultAllocationBenchmark bench, CasCounters counters) {
            holder = "bench-" + UUID.randomUUID();
            LeaseStore store = bench.stores.equals("per-thread") ? bench.open() : bench.shared;
            pools = new IpPools(new Counting(store, counters), Clock.systemUTC());
        }
    }

    @Benchmark
    public Lease allocateAndRelease(Allocator a) {
        return cycle.run(a.pools, a.holder);
    }

    /** Counts compare-and-set outcomes of one thread; everything else passes through. */
    private record Counting(LeaseStore delegate, CasCounters counters) implements LeaseStore {
        @Override
        public Optional<Versioned<PoolState>> read(String pool) {
            return delegate.read(pool);
        }

        @Override
        public boolean create(PoolState initial) {
            return delegate.create(initial);
        }

        @Override
        public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
            boolean won = delegate.compareAndSet(pool, expectedVersion, next);
            if (won) {
                counters.casWon++;
            } else {
                counters.casLost++;
            }
            return won;
        }

        @Override
        public List<String> pools() {
            return delegate.pools();
        }

        @Override
        public boolean delete(String pool) {
            return delegate.delete(pool);
        }

        @Override
        public Health health() {
            return delegate.health();
        }
    }
}
