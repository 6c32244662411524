package dev.ephemera.server;

import dev.ephemera.domain.error.EphemeraException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Runs a port call off the event loop and answers on it: the result goes to {@code then}, an
 * {@link EphemeraException} becomes its problem document (a 429 with {@code Retry-After}), and
 * anything else is a 500 through the router's failure handler.
 */
public final class Blocking {
    /** Seconds a client is told to wait before trying a claim beyond a limit again. */
    public static final int RETRY_AFTER_SECONDS = 30;

    private final Vertx vertx;

    public Blocking(Vertx vertx) {
        this.vertx = vertx;
    }

    public <T> void run(RoutingContext ctx, Callable<T> work, Consumer<T> then) {
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                try {
                    then.accept(ar.result());
                } catch (RuntimeException e) {
                    fail(ctx, e);
                }
            } else {
                fail(ctx, ar.cause());
            }
        });
    }

    /** The handler, with what it throws on the event loop (bad input, mostly) answered as a problem. */
    public static Handler<RoutingContext> safe(Handler<RoutingContext> h) {
        return ctx -> {
            try {
                h.handle(ctx);
            } catch (RuntimeException e) {
                fail(ctx, e);
            }
        };
    }

    /** Answers a failure: problem+json for ours, the router's failure handler for the rest. */
    public static void fail(RoutingContext ctx, Throwable t) {
        if (t instanceof EphemeraException e) {
            if (Problems.status(e.code()) == 429) {
                ctx.response().putHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            }
            Problems.send(ctx, e);
        } else {
            ctx.fail(t);
        }
    }
}
