package dev.ephemera.server;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Errors as RFC 9457 {@code application/problem+json}, and the one place an {@link ErrorCode}
 * becomes an HTTP status.
 */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    public static int status(ErrorCode code) {
        return switch (code) {
            case INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case POOL_EXHAUSTED -> 409;
            case LIMIT_EXCEEDED, RATE_LIMITED -> 429;
            case UNAVAILABLE, CONFIGURATION -> 503;
            case TIMEOUT -> 504;
            case BACKEND -> 502;
            case INTERNAL -> 500;
        };
    }

    /** Sends a problem with our error {@code code}; without one, the code that fits the status. */
    public static void send(RoutingContext ctx, int status, String title, String detail, ErrorCode code) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (code == null) {
            code = codeFor(status);
        }
        JsonObject body = new JsonObject().put("type", "about:blank").put("title", title).put("status", status);
        if (detail != null) {
            body.put("detail", detail);
        }
        if (code != null) {
            body.put("code", code.name());
        }
        body.put("instance", ctx.request().path());
        ctx.response().setStatusCode(status).putHeader("content-type", CONTENT_TYPE).end(body.encode());
    }

    /** The error code of an HTTP status we did not choose ourselves (one Vert.x answered with). */
    static ErrorCode codeFor(int status) {
        return switch (status) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.NOT_FOUND;
            case 409 -> ErrorCode.CONFLICT;
            case 429 -> ErrorCode.RATE_LIMITED;
            case 502 -> ErrorCode.BACKEND;
            case 503 -> ErrorCode.UNAVAILABLE;
            case 504 -> ErrorCode.TIMEOUT;
            default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID;
        };
    }

    public static void send(RoutingContext ctx, EphemeraException e) {
        int status = status(e.code());
        send(ctx, status, io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase(), e.getMessage(), e.code());
    }
}
