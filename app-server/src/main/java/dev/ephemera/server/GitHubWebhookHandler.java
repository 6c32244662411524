package dev.ephemera.server;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.WebhookDelivery;
import dev.ephemera.ports.codehost.WebhookOutcome;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/webhooks/github}: GitHub's webhook deliveries. The signature over the raw body
 * is checked by the {@link CodeHostWebhooks} port (no bearer token: GitHub signs instead), the
 * event is handed to the {@link CodeHostEventLog}, and GitHub gets its answer at once (it gives
 * up after 10 seconds): 202 for a new event, 200 for a redelivery or an event we do not act on,
 * 401 problem for a missing or wrong signature (nothing recorded), 400 for an authentic body that
 * is not what the event promises, 413 beyond the body limit, and 501 (a configuration problem,
 * no {@code Retry-After}: retrying cannot help) when this server has no {@code github.webhook-secret}.
 */
public final class GitHubWebhookHandler implements Handler<RoutingContext> {
    /** Where the webhook sub-router is mounted. */
    public static final String MOUNT = "/v1/webhooks";
    public static final String PATH = MOUNT + "/github";
    /**
     * GitHub caps deliveries at 25 MB; the events we act on are a few tens of KB. 5 MB keeps
     * every real pull_request or repository_dispatch delivery and bounds what an unsigned
     * request can make us read before the signature is checked.
     */
    public static final long BODY_LIMIT = 5L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(GitHubWebhookHandler.class);

    private final Vertx vertx;
    private final Supplier<CodeHostWebhooks> source;
    private final CodeHostEventLog events;
    private volatile CodeHostWebhooks webhooks;

    /**
     * @param webhooks where to get the verifier; called off the event loop until it succeeds once
     * @param events   where accepted events go
     */
    public GitHubWebhookHandler(Vertx vertx, Supplier<CodeHostWebhooks> webhooks, CodeHostEventLog events) {
        this.vertx = vertx;
        this.source = webhooks;
        this.events = events;
    }

    /** Adds the route to the webhook sub-router (mounted at {@link #MOUNT}), with its own body limit and a 413 that names it. */
    public static void mount(Router webhooks, GitHubWebhookHandler handler) {
        webhooks.post(PATH.substring(MOUNT.length()))
                .handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT))
                .handler(handler)
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        Problems.send(ctx, 413, "Payload Too Large", "GitHub webhook deliveries are limited to " + BODY_LIMIT
                                + " bytes here", ErrorCode.INVALID);
                    } else {
                        ctx.next();
                    }
                });
    }

    @Override
    public void handle(RoutingContext ctx) {
        Map<String, String> headers = new LinkedHashMap<>();
        ctx.request().headers().names().forEach(n -> headers.put(n, ctx.request().getHeader(n)));
        Buffer buffer = ctx.body().buffer();
        WebhookDelivery delivery = new WebhookDelivery(headers, buffer == null ? new byte[0] : buffer.getBytes());
        // HMAC over up to 5 MB and JSON parsing are kept off the event loop.
        // The one hand-off: after the signature held, a new event is stored durably before GitHub is answered.
        vertx.<WebhookOutcome>executeBlocking(() -> {
            WebhookOutcome o = verifier().accept(delivery);
            o.event().ifPresent(events::record);
            return o;
        }, false).onComplete(r -> {
            if (ctx.response().ended() || ctx.response().closed()) {
                return;
            }
            if (r.failed()) {
                fail(ctx, r.cause(), delivery);
                return;
            }
            answer(ctx, r.result());
        });
    }

    private CodeHostWebhooks verifier() {
        CodeHostWebhooks w = webhooks;
        if (w == null) {
            synchronized (this) {
                if (webhooks == null) {
                    try {
                        webhooks = source.get();
                    } catch (EphemeraException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        Throwable cause = e;
                        while (!(cause instanceof EphemeraException) && cause.getCause() != null && cause.getCause() != cause) {
                            cause = cause.getCause();
                        }
                        throw cause instanceof EphemeraException ee ? ee : new EphemeraException(ErrorCode.CONFIGURATION,
                                "GitHub webhooks are not set up in this server (" + e.getClass().getSimpleName() + "): configure github.webhook-secret", e);
                    }
                }
                w = webhooks;
            }
        }
        return w;
    }

    private void answer(RoutingContext ctx, WebhookOutcome o) {
        int status;
        switch (o.disposition()) {
            case ACCEPTED -> status = 202;
            case DUPLICATE, IGNORED -> status = 200;
            default -> throw new IllegalStateException("unknown disposition " + o.disposition());
        }
        LOG.info("github webhook delivery={} event={} outcome={} detail={}", o.deliveryId(), o.eventType(), o.disposition(), o.detail());
        JsonObject body = new JsonObject()
                .put("status", o.disposition().name().toLowerCase(java.util.Locale.ROOT))
                .put("delivery", o.deliveryId())
                .put("event", o.eventType())
                .put("detail", o.detail());
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    private static void fail(RoutingContext ctx, Throwable t, WebhookDelivery delivery) {
        String id = delivery.header("X-GitHub-Delivery").orElse("-");
        if (t instanceof EphemeraException e) {
            if (e.code() == ErrorCode.UNAUTHENTICATED) {
                LOG.warn("github webhook refused delivery={} reason=signature remote={}", id, ctx.request().remoteAddress());
            } else if (e.code() == ErrorCode.CONFIGURATION) {
                // Not a passing outage: nothing changes until someone configures the secret, so no Retry-After.
                LOG.error("github webhook not configured delivery={} error={}", id, e.getMessage());
                Problems.send(ctx, 501, "Not Implemented", "GitHub webhooks are not configured on this server: " + e.getMessage(),
                        ErrorCode.CONFIGURATION);
                return;
            } else {
                LOG.warn("github webhook refused delivery={} code={} error={}", id, e.code(), e.getMessage());
            }
            Problems.send(ctx, e);
            return;
        }
        LOG.error("github webhook failed delivery={}", id, t);
        Problems.send(ctx, 500, "Internal Server Error", "internal error; see the server log", ErrorCode.INTERNAL);
    }
}
