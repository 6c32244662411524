package dev.ephemera.server;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code /v1/pools}: IP pools over HTTP, the verbs of {@code ephemera pool}. Creating a pool
 * needs {@code admin}; allocating and releasing need {@code claim}; reading needs {@code read}.
 */
public final class PoolsApi {
    private final Blocking blocking;
    private final Supplier<IpPools> pools;

    public PoolsApi(Blocking blocking, Supplier<IpPools> pools) {
        this.blocking = blocking;
        this.pools = pools;
    }

    /** A pool: its definition, how full it is, and the leases in force. */
    public record PoolView(String name, String range, List<String> excluded, int size, CapacityView capacity, List<LeaseView> leases) {
        static PoolView of(PoolState s, Instant now) {
            PoolDefinition d = s.definition();
            PoolState.Capacity c = s.capacity(now);
            return new PoolView(s.name(), d.first() + "-" + d.last(), d.exclusionsAsText(), d.size(),
                    new CapacityView(c.total(), c.leased(), c.free()), s.activeLeases(now).stream().map(LeaseView::of).toList());
        }
    }

    public record CapacityView(int total, int leased, int free) {
    }

    public record LeaseView(String holder, String address, Instant grantedAt, Optional<Instant> expiresAt) {
        static LeaseView of(Lease l) {
            return new LeaseView(l.holder(), l.address().toString(), l.grantedAt(), l.expiresAt());
        }
    }

    /** What releasing a holder freed: its lease, or {@code null} if it held none. */
    public record ReleaseView(String pool, String holder, Optional<LeaseView> released) {
    }

    public void mount(Router router, String prefix, ApiAuth auth) {
        router.post(prefix + "/pools").handler(auth.require(Scope.ADMIN)).handler(Blocking.safe(this::create));
        router.get(prefix + "/pools/:name").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::get));
        router.post(prefix + "/pools/:name/allocate").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::allocate));
        router.post(prefix + "/pools/:name/release").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::release));
    }

    private void create(RoutingContext ctx) {
        ApiJson.Body body = ApiJson.body(ctx, Set.of("name", "range", "exclude"), false);
        String name = body.requireString("name");
        String range = body.requireString("range");
        List<String> exclude = body.strings("exclude");
        PoolDefinition.parse(name, range, exclude); // bad input is refused here, before the store is touched
        blocking.run(ctx, () -> {
            IpPools p = pools.get();
            boolean existed = p.pools().contains(name);
            PoolState s = p.create(name, range, exclude);
            return new Object[] {existed, PoolView.of(s, Instant.now())};
        }, r -> ApiJson.send(ctx, (Boolean) r[0] ? 200 : 201, r[1]));
    }

    private void get(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        PoolDefinition.requireValidName(name);
        blocking.run(ctx, () -> PoolView.of(pools.get().state(name), Instant.now()), v -> ApiJson.send(ctx, 200, v));
    }

    private void allocate(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        PoolDefinition.requireValidName(name);
        ApiJson.Body body = ApiJson.body(ctx, Set.of("holder", "ttl"), false);
        String holder = body.requireString("holder");
        Lease.requireValidHolder(holder);
        Optional<Duration> ttl = body.string("ttl").map(DurationText::parse);
        if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative())) {
            throw EphemeraException.invalid("field ttl must be a positive duration, e.g. 3d");
        }
        blocking.run(ctx, () -> LeaseView.of(pools.get().allocate(name, holder, ttl)), v -> ApiJson.send(ctx, 200, v));
    }

    private void release(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        PoolDefinition.requireValidName(name);
        ApiJson.Body body = ApiJson.body(ctx, Set.of("holder"), false);
        String holder = body.requireString("holder");
        Lease.requireValidHolder(holder);
        blocking.run(ctx, () -> new ReleaseView(name, holder, pools.get().release(name, holder).map(LeaseView::of)),
                v -> ApiJson.send(ctx, 200, v));
    }
}
