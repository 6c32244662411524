package dev.ephemera.server;

import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Refuses a request to a protected route without {@code Authorization: Bearer <server.token>}; constant-time compare. */
final class BearerTokenHandler implements Handler<RoutingContext> {
    private final byte[] expected;

    BearerTokenHandler(Secret token) {
        this.expected = ("Bearer " + token.reveal()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(RoutingContext ctx) {
        String given = ctx.request().getHeader("Authorization");
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Problems.send(ctx, 401, "Unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)", ErrorCode.UNAUTHENTICATED);
            return;
        }
        ctx.next();
    }
}
