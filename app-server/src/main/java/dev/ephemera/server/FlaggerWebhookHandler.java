package dev.ephemera.server;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierAnswer;
import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhook}: Flagger's webhook, with seed 001's payload and path. The answer comes
 * from {@link CanaryVerifier} as a stage: a held request (gate mode) occupies neither the event
 * loop nor a thread, and a caller that closes the connection ends its hold (the Job runs on).
 *
 * <p>Malformed or incomplete payloads get 400 {@code application/problem+json}. When a token is
 * configured ({@code canary.token}) it must come as {@code Authorization: Bearer} or, since
 * Flagger's webhook definition has no headers, as webhook metadata {@code token}.
 */
public final class FlaggerWebhookHandler implements Handler<RoutingContext> {
    /** Flagger's payload is a few hundred bytes; this leaves room for generous metadata. */
    public static final long BODY_LIMIT = 64 * 1024;
    /** Webhook metadata key that carries the token when Flagger calls. */
    public static final String TOKEN_KEY = "token";
    private static final Logger LOG = LoggerFactory.getLogger(FlaggerWebhookHandler.class);

    private final Vertx vertx;
    private final Supplier<CanaryVerifier> verifierSource;
    private final Optional<byte[]> token;
    private volatile CanaryVerifier verifier;

    /**
     * @param verifier where to get the verifier; called once, off the event loop (it may create the Kubernetes adapter)
     * @param token    the token callers must present, if any
     */
    public FlaggerWebhookHandler(Vertx vertx, Supplier<CanaryVerifier> verifier, Optional<Secret> token) {
        this.vertx = vertx;
        this.verifierSource = verifier;
        this.token = token.filter(t -> !t.isEmpty()).map(t -> t.reveal().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void handle(RoutingContext ctx) {
        CanaryWebhook hook;
        try {
            hook = parse(ctx.body().buffer());
        } catch (EphemeraException e) {
            Problems.send(ctx, e);
            return;
        }
        if (!authorised(ctx, hook)) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Problems.send(ctx, 401, "Unauthorized", "this webhook requires the token of canary.token: give it as webhook metadata "
                    + "'token' in the Canary, or as 'Authorization: Bearer <token>'", ErrorCode.UNAUTHENTICATED);
            return;
        }
        CanaryVerifier v = verifier;
        if (v != null) {
            verify(ctx, v, hook);
            return;
        }
        vertx.<CanaryVerifier>executeBlocking(verifierSource::get, false).onComplete(r -> {
            if (r.failed()) {
                // The verifier could not be built (no kubeconfig, no cluster access): a failed check, never a pass.
                Throwable e = r.cause();
                while (!(e instanceof EphemeraException) && e.getCause() != null && e.getCause() != e) {
                    e = e.getCause();
                }
                LOG.error("canary verification is unavailable", r.cause());
                ctx.response().putHeader("Retry-After", "30");
                Problems.send(ctx, 503, "Service Unavailable", "canary verification is not available: " + e.getMessage(), ErrorCode.CONFIGURATION);
                return;
            }
            verifier = r.result();
            verify(ctx, r.result(), hook);
        });
    }

    private void verify(RoutingContext ctx, CanaryVerifier v, CanaryWebhook hook) {
        CompletionStage<VerifierAnswer> stage;
        try {
            stage = v.verify(hook);
        } catch (RuntimeException e) {
            fail(ctx, e);
            return;
        }
        CompletableFuture<VerifierAnswer> answer = stage.toCompletableFuture();
        if (!answer.isDone()) {
            // The caller went away (Flagger's timeout, a restart): end the hold; the Job runs on.
            ctx.response().closeHandler(closed -> answer.cancel(false));
        }
        // Answers come on the cache's thread; the response is written on this request's event loop.
        Future.fromCompletionStage(answer, vertx.getOrCreateContext()).onComplete(r -> {
            if (ctx.response().ended() || ctx.response().closed()) {
                return;
            }
            if (r.failed()) {
                fail(ctx, r.cause());
            } else {
                send(ctx, r.result());
            }
        });
    }

    private static void send(RoutingContext ctx, VerifierAnswer a) {
        JsonObject body = new JsonObject()
                .put("status", a.status())
                .put("verdict", a.verdict().name())
                .put("mode", a.mode().name().toLowerCase(java.util.Locale.ROOT))
                .put("message", a.message());
        a.job().ifPresent(j -> body.put("job", j));
        a.reason().ifPresent(r -> body.put("reason", r));
        if (!a.logTail().isEmpty()) {
            body.put("logTail", new JsonArray(a.logTail()));
        }
        var response = ctx.response().setStatusCode(a.status()).putHeader("content-type", "application/json");
        a.retryAfter().ifPresent(d -> response.putHeader("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
        LOG.debug("webhook answered status={} verdict={} job={}", a.status(), a.verdict(), a.job().orElse("-"));
        response.end(body.encode());
    }

    private static void fail(RoutingContext ctx, Throwable t) {
        Throwable e = t;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (e instanceof EphemeraException ee) {
            if (ee.code() == ErrorCode.UNAVAILABLE) {
                ctx.response().putHeader("Retry-After", "5");
            }
            Problems.send(ctx, ee);
            return;
        }
        LOG.error("webhook failed", e);
        Problems.send(ctx, 500, "Internal Server Error", "internal error; see the server log", ErrorCode.INTERNAL);
    }

    private boolean authorised(RoutingContext ctx, CanaryWebhook hook) {
        if (token.isEmpty()) {
            return true;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header != null && header.startsWith("Bearer ")
                && MessageDigest.isEqual(token.get(), header.substring(7).getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        return hook.metadata(TOKEN_KEY).map(t -> MessageDigest.isEqual(token.get(), t.getBytes(StandardCharsets.UTF_8))).orElse(false);
    }

    /** The seed's payload: name, namespace and checksum required; phase and metadata (string map) optional. */
    static CanaryWebhook parse(Buffer body) {
        if (body == null || body.length() == 0) {
            throw EphemeraException.invalid("the body is empty: POST Flagger's webhook payload as JSON "
                    + "({\"name\":…,\"namespace\":…,\"phase\":…,\"checksum\":…,\"metadata\":{…}})");
        }
        JsonObject json;
        try {
            json = new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            throw EphemeraException.invalid("the body is not a JSON object: " + shorten(e.getMessage()));
        }
        String name = text(json, "name");
        String namespace = text(json, "namespace");
        String checksum = text(json, "checksum");
        String phase = json.getValue("phase") == null ? "" : text(json, "phase");
        Map<String, String> metadata = new LinkedHashMap<>();
        Object m = json.getValue("metadata");
        if (m != null) {
            if (!(m instanceof JsonObject mo)) {
                throw EphemeraException.invalid("'metadata' must be an object of strings");
            }
            for (String k : mo.fieldNames()) {
                Object v = mo.getValue(k);
                if (!(v instanceof String s)) {
                    throw EphemeraException.invalid("'metadata." + shorten(k) + "' must be a string");
                }
                metadata.put(k, s);
            }
        }
        return new CanaryWebhook(name, namespace, phase, checksum, metadata);
    }

    private static String text(JsonObject json, String field) {
        Object v = json.getValue(field);
        if (v == null) {
            throw EphemeraException.invalid("the payload has no '" + field + "': Flagger sends name, namespace, phase and checksum");
        }
        if (!(v instanceof String s)) {
            throw EphemeraException.invalid("'" + field + "' must be a string");
        }
        return s;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
