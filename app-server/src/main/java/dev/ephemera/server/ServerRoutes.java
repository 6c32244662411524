package dev.ephemera.server;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of the server, in one place. Each endpoint is a small handler class. Routing uses
 * the normalised path ({@code /v1/webhooks/../clusters} and {@code /v1/webhooks/%2e%2e/clusters}
 * are {@code /v1/clusters}), so what is behind the token cannot be reached around it.
 *
 * <ul>
 *   <li>operational routes ({@code /healthz}, {@code /readyz}, {@code /metrics}) are open;</li>
 *   <li>{@code /v1/webhooks/*} is its own sub-router: each webhook authenticates itself (GitHub
 *       signs) and reads its body with its own limit;</li>
 *   <li>{@code /v1/*} is the API sub-router: the bearer token first (when {@code server.token} is
 *       set, or the named {@code server.tokens}), then the body with {@code server.body-limit}, so an
 *       unauthenticated client cannot make the server buffer a body; the routes are {@link ApiRoutes}.</li>
 * </ul>
 * Every error leaves as {@code application/problem+json} with Ephemera's {@code code}.
 */
public final class ServerRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRoutes.class);

    private ServerRoutes() {
    }

    public static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics) {
        return create(vertx, ephemera, settings, metrics, new AtomicLong(), ApiHooks.NONE);
    }

    /** As above, with what the API tells the rest of the server (the driver to kick). */
    public static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics, ApiHooks api) {
        return create(vertx, ephemera, settings, metrics, new AtomicLong(), api);
    }

    /** As above; {@code activeRequests} counts each request from its start until its response ends or its connection closes. */
    public static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics, AtomicLong activeRequests) {
        return create(vertx, ephemera, settings, metrics, activeRequests, ApiHooks.NONE);
    }

    public static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics, AtomicLong activeRequests,
                                ApiHooks api) {
        return create(vertx, ephemera, settings, metrics, activeRequests, new Readiness(vertx, ephemera::health, settings.healthCache()), api);
    }

    static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics, AtomicLong activeRequests,
                         Readiness readiness) {
        return create(vertx, ephemera, settings, metrics, activeRequests, readiness, ApiHooks.NONE);
    }

    static Router create(Vertx vertx, Ephemera ephemera, ServerSettings settings, PrometheusMeterRegistry metrics, AtomicLong activeRequests,
                         Readiness readiness, ApiHooks hooks) {
        Router router = Router.router(vertx);
        router.route().handler(ctx -> {
            activeRequests.incrementAndGet();
            ctx.addEndHandler(v -> activeRequests.decrementAndGet());
            ctx.next();
        });

        // Operational endpoints: open, cheap, never blocked by API traffic.
        router.get("/healthz").handler(new HealthHandler());
        router.get("/readyz").handler(new ReadinessHandler(readiness));
        router.get("/metrics").handler(new MetricsHandler(metrics));

        // Flagger's webhook at seed 001's path; canary.token (not server.token) guards it, as Flagger cannot send headers.
        router.post("/webhook").handler(BodyHandler.create(false).setBodyLimit(Math.min(settings.bodyLimit(), FlaggerWebhookHandler.BODY_LIMIT)))
                .handler(new FlaggerWebhookHandler(vertx, () -> ephemera.get(CanaryVerifier.class), ephemera.config().section("canary").secret("token")))
                .failureHandler(ctx -> tooLarge(ctx, "Flagger webhook bodies are limited to "
                        + Math.min(settings.bodyLimit(), FlaggerWebhookHandler.BODY_LIMIT) + " bytes here"));

        // Webhooks: their own sub-router, ahead of the API's; they authenticate by signature, not by server.token.
        Router webhooks = Router.router(vertx);
        GitHubWebhookHandler.mount(webhooks, new GitHubWebhookHandler(vertx, () -> ephemera.get(CodeHostWebhooks.class), new CodeHostEventLog(1_000,
                new LifecycleProcessor(ephemera).inbox())));
        // Nothing under /v1/webhooks/ falls through to the API: an unknown webhook is 404, a wrong method 405.
        webhooks.route().handler(ctx -> {
            if (ctx.normalizedPath().equals(GitHubWebhookHandler.PATH)) {
                ctx.response().putHeader("Allow", "POST");
                Problems.send(ctx, 405, "Method Not Allowed", ctx.request().method() + " is not allowed on " + ctx.request().path()
                        + "; GitHub delivers with POST", ErrorCode.INVALID);
            } else {
                Problems.send(ctx, 404, "Not Found", "no webhook at " + ctx.request().path() + "; GitHub's is " + GitHubWebhookHandler.PATH,
                        ErrorCode.NOT_FOUND);
            }
        });
        router.route(GitHubWebhookHandler.MOUNT + "/*").subRouter(webhooks);

        // The API: its tokens first (server.token as admin, and the named server.tokens with their
        // scopes), then the body limit, then the API's own routes.
        Router api = Router.router(vertx);
        ApiAuth auth = new ApiAuth(ApiTokens.from(settings.token(), ephemera.config().section("server")));
        api.route().handler(auth.gate());
        api.route().handler(BodyHandler.create(false).setBodyLimit(settings.bodyLimit()));
        ApiRoutes.mount(api, "", vertx, ephemera, auth, hooks.kick());
        router.route("/v1/*").subRouter(api);

        router.route().failureHandler(ctx -> fail(ctx, settings));
        router.errorHandler(404, ctx -> Problems.send(ctx, 404, "Not Found", "no route for " + ctx.request().method() + " "
                + ctx.request().path(), ErrorCode.NOT_FOUND));
        router.errorHandler(405, ctx -> Problems.send(ctx, 405, "Method Not Allowed", ctx.request().method() + " is not allowed on "
                + ctx.request().path(), ErrorCode.INVALID));
        router.errorHandler(413, ctx -> Problems.send(ctx, 413, "Payload Too Large", "request body is larger than server.body-limit ("
                + settings.bodyLimit() + " bytes)", ErrorCode.INVALID));
        router.errorHandler(500, ctx -> fail(ctx, settings));
        return router;
    }

    /**
     * Requests Vert.x refuses before routing (a request line or headers beyond the limits, a
     * malformed request): the same statuses as Vert.x's own handler, as problem documents.
     */
    static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status;
        String detail;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            status = 414;
            detail = "the request line is longer than 8192 bytes";
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            status = 431;
            detail = "the request headers are larger than 16384 bytes";
        } else {
            status = 400;
            detail = "the request is not valid HTTP";
        }
        JsonObject body = new JsonObject().put("type", "about:blank")
                .put("title", io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase())
                .put("status", status).put("detail", detail).put("code", ErrorCode.INVALID.name());
        request.response().setStatusCode(status).putHeader("content-type", Problems.CONTENT_TYPE).putHeader("connection", "close")
                .end(body.encode());
    }

    private static void tooLarge(RoutingContext ctx, String detail) {
        if (ctx.statusCode() == 413) {
            Problems.send(ctx, 413, "Payload Too Large", detail, ErrorCode.INVALID);
        } else {
            ctx.next();
        }
    }

    private static void fail(RoutingContext ctx, ServerSettings settings) {
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
        Problems.send(ctx, status, title, detail, status >= 500 ? ErrorCode.INTERNAL : Problems.codeFor(status));
    }
}
