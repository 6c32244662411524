package dev.ephemera.server;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of the server, in one place. Each endpoint is a small handler class; API routes
 * read bodies through one {@link BodyHandler} with an explicit limit and, when {@code server.token}
 * is set, require the bearer token. Errors leave as {@code application/problem+json}.
 */
public final class ServerRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRoutes.class);

    private ServerRoutes() {
    }

    public static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics) {
        Router router = Router.router(vertx);

        // Operational endpoints: open, cheap, never blocked by API traffic.
        router.get("/healthz").handler(new HealthHandler());
        router.get("/readyz").handler(new ReadinessHandler(vertx, ephemera));
        router.get("/metrics").handler(new MetricsHandler(metrics));

        // Flagger's webhook at seed 001's path; canary.token (not server.token) guards it, as Flagger cannot send headers.
        router.post("/webhook").handler(BodyHandler.create(false).setBodyLimit(Math.min(settings.bodyLimit(), FlaggerWebhookHandler.BODY_LIMIT)))
                .handler(new FlaggerWebhookHandler(vertx, () -> ephemera.get(CanaryVerifier.class), ephemera.config().section("canary").secret("token")));

        // GitHub's deliveries, ahead of /v1/*: their own body limit, and the signature instead of the bearer token.
        GitHubWebhookHandler.mount(router, new GitHubWebhookHandler(vertx, () -> ephemera.get(CodeHostWebhooks.class),
                new CodeHostEventLog(1_000, new LifecycleProcessor(ephemera).inbox())));

        // API routes: body limit (a larger body is answered 413), then the bearer token if one is set.
        // Webhooks under /v1/webhooks/ authenticate themselves (GitHub signs its deliveries), so the
        // token is not asked of them.
        BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.bodyLimit());
        router.route("/v1/*").handler(body);
        settings.token().map(BearerTokenHandler::new).ifPresent(auth -> router.route("/v1/*").handler(ctx -> {
            if (ctx.request().path().startsWith("/v1/webhooks/")) {
                ctx.next();
            } else {
                auth.handle(ctx);
            }
        }));

        router.route().failureHandler(ctx -> {
            Throwable f = ctx.failure();
            if (f instanceof EphemeraException e) {
                Problems.send(ctx, e);
                return;
            }
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            if (status >= 500) {
                LOG.error("request failed method={} path={}", ctx.request().method(), ctx.request().path(), f);
            }
            String title = io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase();
            String detail = status == 413 ? "request body is larger than server.body-limit (" + settings.bodyLimit() + " bytes)"
                    : status >= 500 ? "internal error; see the server log" : title;
            Problems.send(ctx, status, title, detail, status >= 500 ? ErrorCode.INTERNAL : null);
        });
        router.errorHandler(404, ctx -> Problems.send(ctx, 404, "Not Found", "no route for " + ctx.request().method() + " "
                + ctx.request().path(), ErrorCode.NOT_FOUND));
        router.errorHandler(405, ctx -> Problems.send(ctx, 405, "Method Not Allowed", ctx.request().method() + " is not allowed on "
                + ctx.request().path(), ErrorCode.INVALID));
        return router;
    }
}
