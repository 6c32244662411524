package dev.ephemera.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real server (bootstrap, SQLite state, Vert.x on 127.0.0.1) on the test-only in-memory backend {@code other} (so the reaper test's {@code instant} backend stays its own)
 * backend, with a configuration the test writes, and a small HTTP client for it.
 */
final class ApiServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Ephemera ephemera;
    final EphemeraServer server;
    final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Optional<String> token = Optional.empty();

    private ApiServer(Path dir, Ephemera ephemera, EphemeraServer server, int port) {
        this.dir = dir;
        this.ephemera = ephemera;
        this.server = server;
        this.base = "http://127.0.0.1:" + port;
    }

    /**
     * @param extraYaml more configuration (e.g. {@code policies:} or {@code server:} sections)
     * @param env       the environment the configuration's {@code env:} references read
     */
    static ApiServer start(Path dir, String extraYaml, Map<String, String> env) throws IOException {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: other\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: "
                + dir.resolve("secrets") + "\n" + extraYaml);
        Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), env, dir, dir)),
                AdapterRegistry.discover());
        ServerSettings settings = ServerSettings.from(ephemera.config().section("server")).withPort(0).withHost("127.0.0.1");
        EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings(settings.host(), 0, settings.bodyLimit(), settings.token(),
                Duration.ofSeconds(5), Duration.ZERO, List.of()));
        try {
            return new ApiServer(dir, ephemera, server, server.start());
        } catch (RuntimeException e) {
            ephemera.close();
            throw e;
        }
    }

    ApiServer as(String bearer) {
        token = Optional.ofNullable(bearer);
        return this;
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send("POST", path, body);
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        server.close();
        ephemera.close();
    }
}
