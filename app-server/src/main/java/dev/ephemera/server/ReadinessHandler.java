package dev.ephemera.server;

import dev.ephemera.ports.spi.Health;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /readyz}: the configured stores and sinks, the default backend ({@code backend:}),
 * and every other adapter in use. 200 when all are up, 503 naming the ones that are not (a
 * default backend that is not installed is down). The checks come from {@link Readiness}: at most
 * {@code server.health-cache} old; {@code checkedAt} says when they ran.
 */
final class ReadinessHandler implements Handler<RoutingContext> {
    private final Readiness readiness;

    ReadinessHandler(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public void handle(RoutingContext ctx) {
        readiness.current().onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Readiness.Snapshot s = ar.result();
            boolean up = s.up();
            JsonObject body = new JsonObject().put("status", up ? "ready" : "not ready").put("checkedAt", s.at().toString());
            Map<String, Health> sorted = new TreeMap<>(s.checks());
            JsonObject each = new JsonObject();
            sorted.forEach((k, h) -> each.put(k, new JsonObject().put("up", h.up()).put("detail", h.detail())));
            body.put("checks", each);
            if (!up) {
                body.put("down", new io.vertx.core.json.JsonArray(sorted.entrySet().stream().filter(e -> !e.getValue().up())
                        .map(Map.Entry::getKey).toList()));
            }
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
        });
    }
}
