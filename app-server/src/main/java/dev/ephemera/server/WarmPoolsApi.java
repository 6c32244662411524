package dev.ephemera.server;

import dev.ephemera.application.warmpool.WarmPools;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * {@code /v1/warm-pools}: the configured warm pools and their members, read-only (scope
 * {@code read}); a claim takes a member through {@code POST /v1/clusters} with {@code fromPool}.
 */
public final class WarmPoolsApi {
    private final Blocking blocking;
    private final Supplier<WarmPools> pools;

    public WarmPoolsApi(Blocking blocking, Supplier<WarmPools> pools) {
        this.blocking = blocking;
        this.pools = pools;
    }

    public void mount(Router router, String prefix, ApiAuth auth) {
        router.get(prefix + "/warm-pools").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::list));
        router.get(prefix + "/warm-pools/:name").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::get));
    }

    private void list(RoutingContext ctx) {
        blocking.run(ctx, () -> pools.get().list(), v -> ApiJson.send(ctx, 200, v));
    }

    private void get(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        blocking.run(ctx, () -> pools.get().status(name), v -> ApiJson.send(ctx, 200, v));
    }
}
