package dev.ephemera.server;

import dev.ephemera.domain.error.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Bearer-token checks for the API: {@link #gate()} lets a request in only with a configured token
 * (401 otherwise) and remembers who it is; {@link #require} additionally asks for a scope (403).
 * Every API route starts with {@code require}, so a route is guarded even where no gate runs.
 */
public final class ApiAuth {
    private static final String CALLER = "ephemera.api.caller";

    private final ApiTokens tokens;

    public ApiAuth(ApiTokens tokens) {
        this.tokens = tokens;
    }

    public ApiTokens tokens() {
        return tokens;
    }

    /** Authenticates the request (any configured token); 401 problem without one. */
    public Handler<RoutingContext> gate() {
        return ctx -> {
            if (authenticate(ctx).isPresent()) {
                ctx.next();
            }
        };
    }

    /** Authenticates the request and checks that its token has {@code scope}: 401 without a token, 403 without the scope. */
    public Handler<RoutingContext> require(Scope scope) {
        return ctx -> authenticate(ctx).ifPresent(caller -> {
            if (!caller.scope().includes(scope)) {
                Problems.send(ctx, 403, "Forbidden", "token '" + caller.name() + "' has scope " + caller.scope().text() + "; this needs "
                        + scope.text() + " (server.token-scopes)", ErrorCode.PERMISSION_DENIED);
                return;
            }
            ctx.next();
        });
    }

    /** Who the request is from; only valid after {@link #gate()} or {@link #require}. */
    public static Caller caller(RoutingContext ctx) {
        Caller c = ctx.get(CALLER);
        if (c == null) {
            throw new IllegalStateException("no caller on a route without ApiAuth");
        }
        return c;
    }

    private Optional<Caller> authenticate(RoutingContext ctx) {
        Caller known = ctx.get(CALLER);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Caller> caller = tokens.authenticate(ctx.request().getHeader("Authorization"));
        if (caller.isEmpty()) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Problems.send(ctx, 401, "Unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)", ErrorCode.UNAUTHENTICATED);
            return Optional.empty();
        }
        ctx.put(CALLER, caller.get());
        return caller;
    }
}
