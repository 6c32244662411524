package dev.ephemera.server;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /healthz}: the process is alive and its event loop answers. Touches nothing else. */
final class HealthHandler implements Handler<RoutingContext> {
    private static final String BODY = new JsonObject().put("status", "ok").encode();

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end(BODY);
    }
}
