package dev.ephemera.server;

import java.util.Objects;

/**
 * Who made an API request: the name of the token it carried and that token's scope. With no
 * token configured the API is open and every caller is {@link #OPEN}.
 */
public record Caller(String name, Scope scope) {
    /** The caller of an API without tokens: unauthenticated, allowed everything. */
    public static final Caller OPEN = new Caller("anonymous", Scope.ADMIN);

    public Caller {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
    }
}
