package dev.ephemera.cli;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code pool} commands on this machine: the configured lease store (sqlite or vault). */
final class LocalPoolService implements PoolService {
    private final CliContext ctx;

    LocalPoolService(CliContext ctx) {
        this.ctx = ctx;
    }

    private IpPools pools() {
        return ctx.ephemera().get(IpPools.class);
    }

    /** --pool, else {@code pools.default}, else the only pool there is. */
    @Override
    public String poolName(Optional<String> given) {
        if (given.isPresent()) {
            return given.get();
        }
        Optional<String> configured = ctx.ephemera().config().defaultPool();
        if (configured.isPresent()) {
            return configured.get();
        }
        List<String> all = pools().pools();
        if (all.size() == 1) {
            return all.get(0);
        }
        if (all.isEmpty()) {
            throw EphemeraException.notFound("there is no pool yet; create one with: ephemera pool create NAME --range FIRST-LAST");
        }
        throw EphemeraException.invalid("which pool? there are " + all.size() + ": " + String.join(", ", all)
                + "; pass --pool NAME, or set the default in ephemera.yaml (pools: {default: NAME}) or EPHEMERA_POOLS_DEFAULT");
    }

    static Definition definition(PoolState s) {
        return new Definition(s.name(), s.definition().first() + "-" + s.definition().last(), s.definition().exclusionsAsText(),
                s.definition().size());
    }

    static LeaseRow row(Lease l) {
        return new LeaseRow(l.holder(), l.address().toString(), l.grantedAt().toString(), l.expiresAt().map(Object::toString).orElse(""));
    }

    @Override
    public Definition create(String name, String rangeOrCidr, List<String> exclude) {
        return definition(pools().create(name, rangeOrCidr, exclude));
    }

    Definition resize(String name, String rangeOrCidr, List<String> exclude) {
        return definition(pools().resize(name, rangeOrCidr, exclude));
    }

    boolean delete(String name, boolean force) {
        return pools().delete(name, force);
    }

    @Override
    public LeaseRow allocate(String pool, String holder, Optional<Duration> ttl) {
        return row(pools().allocate(pool, holder, ttl));
    }

    @Override
    public Optional<String> release(String pool, String holder) {
        return pools().release(pool, holder).map(l -> l.address().toString());
    }

    @Override
    public List<LeaseRow> leases(String pool) {
        return pools().list(pool).stream().map(LocalPoolService::row).toList();
    }

    @Override
    public Capacity capacity(String pool) {
        PoolState.Capacity c = pools().capacity(pool);
        return new Capacity(pool, c.total(), c.leased(), c.free());
    }
}
