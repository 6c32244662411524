package dev.ephemera.adapters.embedded;

import dev.ephemera.domain.error.PoolExhaustedException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.testkit.contract.CasAllocator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A separate JVM for {@link CrossProcessAllocationTest}. It says READY, waits for a line on stdin
 * as the start gate, then for every holder at once does what one CLI process would: open its own
 * store on the database file (which may not exist yet), create the pool unless it exists,
 * allocate, and print one result line.
 *
 * <p>Usage: {@code AllocatorProcess DB_FILE POOL RANGE HOLDER...}
 */
public final class AllocatorProcess {
    private AllocatorProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String pool = args[1];
        String range = args[2];
        List<String> holders = List.of(args).subList(3, args.length);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < holders.size(); i++) {
            String holder = holders.get(i);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    try (SqliteLeaseStore store = SqliteLeaseStore.open(new SqliteSettings(db, Duration.ofSeconds(30)))) {
                        store.create(PoolState.empty(PoolDefinition.ofRange(pool, range, List.of())));
                        Lease l = new CasAllocator(store).allocate(pool, holder, Optional.empty());
                        results.add("OK " + holder + " " + l.address());
                    }
                } catch (PoolExhaustedException e) {
                    results.add("EXHAUSTED " + holder);
                } catch (Exception e) {
                    results.add("ERROR " + holder + " " + e);
                }
            });
            t.start();
            threads.add(t);
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        results.forEach(System.out::println);
        System.out.println("DONE");
    }
}
