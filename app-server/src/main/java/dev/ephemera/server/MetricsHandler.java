package dev.ephemera.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /metrics}: Prometheus text exposition of the server's meters (Vert.x HTTP, JVM). */
final class MetricsHandler implements Handler<RoutingContext> {
    private final PrometheusMeterRegistry registry;

    MetricsHandler(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
    }
}
