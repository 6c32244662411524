package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.bootstrap.EphemeraConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The OpenAPI document at /v1/openapi.json")
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    @TempDir
    Path dir;

    /** {@code METHOD /path/{param}} for every API route of the server's router, sub-routers included. */
    static Set<String> routerOperations(Router router, String prefix) {
        Set<String> out = new TreeSet<>();
        for (Route r : router.getRoutes()) {
            // A route with path parameters keeps its pattern as its name (its path is a regular expression then).
            String path = r.getPath() != null ? r.getPath() : r.getName();
            if (r.getSubRouter() != null) {
                String mount = path == null ? "" : path.replaceAll("/?\\*$", "").replaceAll("/$", "");
                out.addAll(routerOperations(r.getSubRouter(), prefix + mount));
                continue;
            }
            if (path == null || !path.startsWith("/") || r.methods() == null || r.methods().isEmpty()) {
                continue; // handlers for every method (body limit, token gate), not operations
            }
            String full = (prefix + path).replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            if (!full.startsWith("/v1/")) {
                continue;
            }
            for (HttpMethod m : r.methods()) {
                out.add(m.name().toUpperCase(Locale.ROOT) + " " + full);
            }
        }
        return out;
    }

    static Set<String> documentOperations(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            });
        }
        return out;
    }

    @Test
    @DisplayName("documents every /v1 route of the router, and nothing the router does not have")
    void documentAndRoutesAreInStep() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (Ephemera ephemera = Ephemera.start(EphemeraConfig.defaults(), AdapterRegistry.discover())) {
            Router router = ServerRoutes.create(vertx, ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.empty(), Duration.ofSeconds(1)),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            Set<String> routes = routerOperations(router, "");
            Set<String> documented = documentOperations(ApiJson.MAPPER.readTree(OpenApiHandler.document()));

            assertThat(routes).as("API routes").contains("POST /v1/clusters", "GET /v1/clusters/{id}", "POST /v1/pools/{name}/allocate");
            assertThat(documented).as("operations documented but not routed").isSubsetOf(routes);
            assertThat(routes).as("routes not documented").isSubsetOf(documented);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    @DisplayName("is a valid OpenAPI 3.1 document for swagger-parser, which does find faults in a broken copy")
    void documentIsValidOpenApi31() throws Exception {
        String text = OpenApiHandler.document();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);

        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);

        assertThat(result.getMessages()).as("validation messages").isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).containsKey("/v1/clusters");
        assertThat(result.getOpenAPI().getComponents().getSchemas()).containsKey("Cluster");

        // The same validator on a broken copy: no info, and a reference to a schema that does not exist.
        ObjectNode broken = (ObjectNode) ApiJson.MAPPER.readTree(text);
        broken.remove("info");
        ((ObjectNode) broken.at("/components/schemas/Pool/properties/leases/items")).put("$ref", "#/components/schemas/Nothing");
        SwaggerParseResult bad = new OpenAPIV3Parser().readContents(ApiJson.MAPPER.writeValueAsString(broken), null, options);
        assertThat(bad.getMessages()).anySatisfy(m -> assertThat(m).contains("info"));
    }

    @Test
    @DisplayName("is served, with the token's read scope, as the resource")
    void documentIsServed() throws Exception {
        try (ApiServer api = ApiServer.start(dir, "", Map.of())) {
            HttpResponse<String> r = api.get("/v1/openapi.json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(ApiServer.json(r)).isEqualTo(ApiJson.MAPPER.readTree(OpenApiHandler.document()));
        }
    }
}
