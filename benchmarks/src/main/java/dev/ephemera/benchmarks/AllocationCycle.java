package dev.ephemera.benchmarks;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.lease.Lease;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operation both allocation benchmarks measure — allocate an address for a holder, then
 * release it (two compare-and-set writes through {@link IpPools}) — with the duplicate check done
 * on the fly: an address handed to a holder while another holds it, or a release that does not
 * give back the address just allocated (a lost update), counts as an anomaly.
 */
final class AllocationCycle {
    static final String POOL = "bench";

    private final Map<String, String> holderByAddress = new ConcurrentHashMap<>();
    private final AtomicLong anomalies = new AtomicLong();

    Lease run(IpPools pools, String holder) {
        Lease lease = pools.allocate(POOL, holder, Optional.empty());
        String address = lease.address().toString();
        if (holderByAddress.putIfAbsent(address, holder) != null) {
            anomalies.incrementAndGet();
        }
        holderByAddress.remove(address, holder);
        Optional<Lease> released = pools.release(POOL, holder);
        if (released.isEmpty() || !released.get().address().equals(lease.address())) {
            anomalies.incrementAndGet();
        }
        return lease;
    }

    /** Fails the trial if any allocation was duplicated or lost. */
    void assertNone() {
        if (anomalies.get() != 0) {
            throw new IllegalStateException(anomalies.get() + " duplicate or lost allocations under contention");
        }
    }
}
