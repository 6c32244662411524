package dev.ephemera.server;

import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.ports.spi.Health;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code GET /readyz}: checks each configured adapter (stores, sinks, and any in use). 200 when
 * all are up, 503 naming the ones that are not. The checks block, so they run off the event loop.
 */
final class ReadinessHandler implements Handler<RoutingContext> {
    private final Vertx vertx;
    private final Ephemera ephemera;

    ReadinessHandler(Vertx vertx, Ephemera ephemera) {
        this.vertx = vertx;
        this.ephemera = ephemera;
    }

    @Override
    public void handle(RoutingContext ctx) {
        vertx.executeBlocking(ephemera::health, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Map<String, Health> checks = ar.result();
            boolean up = checks.values().stream().allMatch(Health::up);
            JsonObject body = new JsonObject().put("status", up ? "ready" : "not ready");
            JsonObject each = new JsonObject();
            checks.forEach((k, h) -> each.put(k, new JsonObject().put("up", h.up()).put("detail", h.detail())));
            body.put("checks", each);
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
        });
    }
}
