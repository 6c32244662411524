package dev.ephemera.benchmarks;

import dev.ephemera.application.IpPools;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * IP allocation under contention on the SQLite lease store (DESIGN section 8: 16 concurrent
 * allocators, zero duplicates, at least 500 allocations/s). Each operation is one full cycle
 * through the production path ({@link IpPools} over the store the {@code sqlite} factory makes):
 * allocate an address for the thread's holder, then release it — two compare-and-set writes.
 *
 * <p>{@code stores=shared}: all threads use one store, as the server does. {@code
 * stores=per-thread}: each thread opens its own store on the same file, so writers meet in
 * SQLite's file lock the way separate CLI processes do.
 *
 * <p>Duplicates are checked on the fly: an address handed to a holder while another holds it,
 * or a release that does not give back the address just allocated (a lost update), is counted,
 * and any count above zero fails the run at tear-down.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(16)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 5)
public class SqliteAllocationBenchmark {

    /** Addresses in the pool; above the thread count, so no allocation finds the pool exhausted. */
    @Param({"64"})
    public int poolSize;

    @Param({"shared", "per-thread"})
    public String stores;

    private Path dir;
    private Path db;
    private LeaseStore shared;
    private final List<LeaseStore> opened = new ArrayList<>();
    private final AllocationCycle cycle = new AllocationCycle();

    @Setup(Level.Trial)
    public void createPool() throws IOException {
        dir = Files.createTempDirectory("ephemera-bench");
        db = dir.resolve("ephemera.db");
        shared = open();
        new IpPools(shared, Clock.systemUTC()).create(AllocationCycle.POOL, "10.50.0.1-10.50.0." + poolSize, List.of());
    }

    synchronized LeaseStore open() {
        LeaseStoreFactory factory = AdapterRegistry.discover().factory(LeaseStoreFactory.class, "sqlite");
        LeaseStore s = factory.create(new Settings("sqlite", Map.of("path", db.toString())));
        opened.add(s);
        return s;
    }

    @TearDown(Level.Trial)
    public void checkAndClean() throws IOException {
        for (LeaseStore s : opened) {
            s.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        cycle.assertNone();
    }

    /** One allocator: its own holder name and, with {@code stores=per-thread}, its own store. */
    @State(Scope.Thread)
    public static class Allocator {
        String holder;
        IpPools pools;

        @Setup(Level.Trial)
        public void open(SqliteAllocationBenchmark bench) {
            holder = "bench-" + UUID.randomUUID();
            LeaseStore store = bench.stores.equals("per-thread") ? bench.open() : bench.shared;
            pools = new IpPools(store, Clock.systemUTC());
        }
    }

    @Benchmark
    public Lease allocateAndRelease(Allocator a) {
        return cycle.run(a.pools, a.holder);
    }
}
