package dev.ephemera.adapters.vault;

import dev.ephemera.domain.error.PoolExhaustedException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.contract.CasAllocator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * One allocating process for {@link VaultLeaseStoreProcessesTest}: opens the {@code vault} lease
 * store as the CLI would (through ServiceLoader), creates the pool if nobody has yet, allocates
 * for its holders and prints {@code LEASE holder address} or {@code EXHAUSTED holder} per holder.
 *
 * <p>Arguments: VAULT_ADDR TOKEN POOL RANGE HOLDER...
 */
public final class AllocatorProcess {
    private AllocatorProcess() {
    }

    public static void main(String[] args) {
        LeaseStoreFactory factory = ServiceLoader.load(LeaseStoreFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("vault")).findFirst().orElseThrow();
        try (LeaseStore store = factory.create(new Settings("vault", Map.of("address", args[0], "token", args[1])))) {
            String pool = args[2];
            store.create(PoolState.empty(PoolDefinition.ofRange(pool, args[3], List.of())));
            CasAllocator allocator = new CasAllocator(store);
            for (int i = 4; i < args.length; i++) {
                try {
                    Lease l = allocator.allocate(pool, args[i], Optional.empty());
                    System.out.println("LEASE " + l.holder() + " " + l.address());
                } catch (PoolExhaustedException e) {
                    System.out.println("EXHAUSTED " + args[i]);
                }
            }
        }
        System.out.flush();
    }
}
