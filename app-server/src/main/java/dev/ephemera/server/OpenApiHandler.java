package dev.ephemera.server;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /v1/openapi.json}: the API's OpenAPI 3.1 document, a resource of this module kept in step with the routes by a test. */
public final class OpenApiHandler implements Handler<RoutingContext> {
    public static final String RESOURCE = "/dev/ephemera/server/openapi.json";
    private final String document;

    public OpenApiHandler() {
        this.document = document();
    }

    public static String document() {
        try (InputStream in = OpenApiHandler.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end(document);
    }
}
