package dev.ephemera.server;

import dev.ephemera.application.IpPools;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.ClusterId;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;

/**
 * The REST API's routes under one prefix ({@code /v1} on the server's router, or empty on a
 * sub-router mounted at {@code /v1}). Each route checks its token scope first.
 */
public final class ApiRoutes {
    private ApiRoutes() {
    }

    public static void mount(Router router, String prefix, Vertx vertx, Ephemera ephemera, ApiAuth auth, Consumer<ClusterId> kick) {
        Blocking blocking = new Blocking(vertx);
        router.get(prefix + "/openapi.json").handler(auth.require(Scope.READ)).handler(new OpenApiHandler());
        new ClustersApi(vertx, blocking, ephemera, kick).mount(router, prefix, auth);
        new PoolsApi(blocking, () -> ephemera.get(IpPools.class)).mount(router, prefix, auth);
        new WarmPoolsApi(blocking, () -> ephemera.get(WarmPools.class)).mount(router, prefix, auth);
    }
}
