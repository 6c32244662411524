package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.application.ClusterView;
import dev.ephemera.cli.remote.ApiClient;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.server.ApiJson;
import dev.ephemera.server.Problems;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client mode's edges against a scripted HTTP server on 127.0.0.1 (the JDK's own): how an error
 * answer becomes an exit code, how --wait follows, loses and regains the event stream, and which
 * commands refuse to run against a server. The whole flow against the real server is
 * {@code e2e.ClientModeEndToEndTest}.
 */
class ClientModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path state;
    private HttpServer http;
    private ExecutorService threads;
    private String base;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Handler> routes = new HashMap<>();
    /** Lets go of handlers that hold a stream open. */
    private final CountDownLatch testOver = new CountDownLatch(1);

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    @BeforeEach
    void startServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        threads = Executors.newFixedThreadPool(4);
        http.setExecutor(threads);
        http.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
            requests.add(key + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
            Handler h = routes.get(key);
            try {
                if (h == null) {
                    send(ex, 599, "text/plain", "no route for " + key);
                } else {
                    h.handle(ex);
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                ex.close();
            }
        });
        http.start();
        base = "http://127.0.0.1:" + http.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        testOver.countDown();
        http.stop(0);
        threads.shutdownNow();
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    private static ClusterView view(String id, String phase, Optional<String> failure) {
        Instant t = Instant.parse("2026-12-06T08:00:00Z");
        return new ClusterView(id, phase, "instant", Optional.empty(), new ClusterView.SpecView(Optional.empty(), Optional.empty(), Optional.empty()),
                Optional.empty(), Optional.empty(), Optional.empty(), t, t, Optional.empty(), t.plus(Duration.ofDays(1)), Optional.empty(), failure,
                false, List.of(), List.of(new ClusterView.EventView(t, phase, "now " + phase)), Optional.empty(), Optional.empty(), 1);
    }

    private static String event(String type, ClusterView v) {
        return "event: " + type + "\nid: " + v.version() + "\ndata: " + ApiJson.write(v) + "\n\n";
    }

    private CliRun cli(String... args) {
        return cli(Map.of("EPHEMERA_SERVER", base, "EPHEMERA_TOKEN", "t0ken-for-tests"), args);
    }

    private CliRun cli(Map<String, String> env, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        Map<String, String> all = new HashMap<>(env);
        all.put("HOME", state.resolve("home").toString());
        all.put("XDG_STATE_HOME", state.toString());
        all.put("PWD", state.toString());
        // As on a terminal: progress lines show on stderr.
        int code = EphemeraCli.run(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), all, Optional.empty(), true);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    @DisplayName("every problem code the server can answer exits as the same error does locally, with the problem's detail")
    void problemCodesMapToTheLocalExitCodes() {
        for (ErrorCode code : ErrorCode.values()) {
            routes.put("GET /v1/clusters/pr-1", ex -> send(ex, Problems.status(code), Problems.CONTENT_TYPE,
                    "{\"type\":\"about:blank\",\"title\":\"t\",\"status\":" + Problems.status(code) + ",\"detail\":\"detail of " + code
                            + "\",\"code\":\"" + code + "\",\"instance\":\"/v1/clusters/pr-1\"}"));
            CliRun r = cli("cluster", "get", "pr-1");
            assertThat(r.exitCode()).as(code + ": " + r.err()).isEqualTo(ExitCodes.of(code));
            assertThat(r.err()).as(code.name()).contains("detail of " + code);
        }
        // Answers without one of our codes (a proxy's, an older server's): the status decides, as the server maps them.
        Map<Integer, Integer> byStatus = Map.of(400, ExitCodes.INVALID_INPUT, 401, ExitCodes.AUTH, 403, ExitCodes.AUTH, 404, ExitCodes.NOT_FOUND,
                409, ExitCodes.CONFLICT, 429, ExitCodes.UNAVAILABLE, 502, ExitCodes.BACKEND, 503, ExitCodes.UNAVAILABLE, 504, ExitCodes.TIMEOUT,
                500, ExitCodes.FAILED);
        byStatus.forEach((status, exit) -> {
            routes.put("GET /v1/clusters/pr-1", ex -> send(ex, status, "text/html", "<html>proxy says " + status + "</html>"));
            CliRun r = cli("cluster", "get", "pr-1");
            assertThat(r.exitCode()).as(status + ": " + r.err()).isEqualTo(exit);
            assertThat(r.err()).contains(base).contains(String.valueOf(status));
        });
        assertThat(ApiClient.codeOf(409, Optional.of("POOL_EXHAUSTED"))).isEqualTo(ErrorCode.POOL_EXHAUSTED);
        assertThat(ApiClient.codeOf(409, Optional.of("SOMETHING_NEW"))).isEqualTo(ErrorCode.CONFLICT);
        assertThat(requests).allMatch(r -> r.endsWith("auth=Bearer t0ken-for-tests"));
    }

    @Test
    @DisplayName("a server that cannot be reached exits 7 and names its URL")
    void unreachableServer() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        CliRun r = cli(Map.of(), "cluster", "list", "--server", url);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(r.err()).contains("cannot reach the Ephemera server at " + url).contains("3 attempts");
    }

    @Test
    @DisplayName("--wait follows the event stream, reconnects when it drops, and shows each phase")
    void waitReconnects() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        routes.put("POST /v1/clusters", ex -> {
            JsonNode body = JSON.readTree(ex.getRequestBody());
            assertThat(body.path("id").asText()).isEqualTo("pr-1");
            assertThat(body.path("backend").asText()).isEqualTo("instant");
            assertThat(body.path("ttl").asText()).isEqualTo("PT2H");
            send(ex, 201, "application/json", ApiJson.write(view("pr-1", "Requested", Optional.empty())));
        });
        routes.put("GET /v1/clusters/pr-1/events", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            if (connections.incrementAndGet() == 1) {
                out.write(event("cluster", view("pr-1", "Provisioning", Optional.empty())).getBytes(StandardCharsets.UTF_8));
                out.flush();
                return; // the stream drops, as a proxy's idle timeout would drop it
            }
            out.write((": keepalive\n\n" + event("cluster", view("pr-1", "Bootstrapping", Optional.empty()))
                    + event("phase", view("pr-1", "Ready", Optional.empty()))).getBytes(StandardCharsets.UTF_8));
            out.flush();
        });
        CliRun r = cli("cluster", "create", "pr-1", "--backend", "instant", "--ttl", "2h", "--wait", "--timeout", "1m", "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).path("phase").asText()).isEqualTo("Ready");
        assertThat(connections.get()).isEqualTo(2);
        assertThat(r.err()).containsSubsequence("Provisioning", "Bootstrapping", "Ready");
    }

    @Test
    @DisplayName("--wait ends at its timeout (exit 6) when the cluster stays in one phase, and exits 8 with the reason when it fails")
    void waitTimesOutOrFails() throws Exception {
        routes.put("POST /v1/clusters", ex -> send(ex, 200, "application/json", ApiJson.write(view("pr-1", "Provisioning", Optional.empty()))));
        routes.put("GET /v1/clusters/pr-1/events", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(event("cluster", view("pr-1", "Provisioning", Optional.empty())).getBytes(StandardCharsets.UTF_8));
            out.flush();
            // Then silence, not even a keep-alive: only the client's own deadline can end its wait.
            try {
                testOver.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long started = System.nanoTime();
        CliRun timeout = cli("cluster", "create", "pr-1", "--backend", "instant", "--wait", "--timeout", "2s");
        assertThat(timeout.exitCode()).as(timeout.err()).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(timeout.err()).contains("still Provisioning").contains("run the same command again");
        // The stream stays silent for 60 s: only the client's own deadline (2 s) ends the wait before that, however loaded the machine.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("bounded by --timeout").isLessThan(Duration.ofSeconds(50));

        routes.put("GET /v1/clusters/pr-1/events", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write((event("cluster", view("pr-1", "Provisioning", Optional.empty()))
                    + event("phase", view("pr-1", "Failed", Optional.of("the cloud said no")))).getBytes(StandardCharsets.UTF_8));
        });
        CliRun failed = cli("cluster", "create", "pr-1", "--backend", "instant", "--wait");
        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(ExitCodes.BACKEND);
        assertThat(failed.err()).contains("did not become Ready: it is Failed (the cloud said no)");
    }

    @Test
    @DisplayName("commands that need what is local refuse a server with exit 2 and say why, before any request")
    void localOnlyCommandsRefuseAServer() throws IOException {
        Map<String, String> viaEnv = Map.of("EPHEMERA_SERVER", base);
        List<CliRun> refused = new ArrayList<>();
        refused.add(cli(Map.of(), "cluster", "load-image", "pr-1", "shop:1", "--server", base));
        refused.add(cli(viaEnv, "cluster", "load-image", "pr-1", "shop:1"));
        refused.add(cli(viaEnv, "cluster", "reap"));
        refused.add(cli(viaEnv, "pool", "resize", "lab", "--range", "10.0.0.1-10.0.0.9"));
        refused.add(cli(viaEnv, "pool", "delete", "lab"));
        refused.add(cli(Map.of(), "pki", "issue", "--cluster", "pr-1", "--san", "10.0.0.1", "--out", state.resolve("pki").toString(), "--server", base));
        refused.add(cli(Map.of(), "server", "--server", base));
        for (CliRun r : refused) {
            assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(r.err()).contains("cannot run against a server (").contains(base);
        }
        CliRun force = cli(viaEnv, "cluster", "delete", "pr-1", "--force");
        assertThat(force.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(force.err()).contains("--force cannot run against a server");
        CliRun images = cli(viaEnv, "cluster", "create", "pr-1", "--load-image", "shop:1");
        assertThat(images.exitCode()).as(images.err()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(images.err()).contains("--load-image").contains("not available with a server");
        assertThat(requests).as("nothing was sent").isEmpty();
        assertThat(Files.exists(state.resolve("pki"))).isFalse();
        assertThat(Files.exists(state.resolve("ephemera"))).as("no local store was opened either").isFalse();
    }

    @Test
    @DisplayName("a bad server URL, an empty token file or a token file without a server is exit 2; --help shows the options")
    void badClientInput() throws IOException {
        CliRun ftp = cli(Map.of(), "cluster", "list", "--server", "ftp://example.com");
        assertThat(ftp.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(ftp.err()).contains("--server 'ftp://example.com' is not a server URL");
        Path empty = Files.writeString(state.resolve("empty-token"), "\n");
        CliRun emptyToken = cli(Map.of(), "cluster", "list", "--server", base, "--token-file", empty.toString());
        assertThat(emptyToken.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(emptyToken.err()).contains("is empty");
        CliRun noServer = cli(Map.of(), "cluster", "list", "--token-file", empty.toString());
        assertThat(noServer.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noServer.err()).contains("--token-file is the token for a server");
        assertThat(requests).isEmpty();

        assertThat(cli(Map.of(), "cluster", "create", "--help").out()).contains("--server=URL").contains("--token-file=FILE");
        assertThat(cli(Map.of(), "pool", "allocate", "--help").out()).contains("--server=URL");
        assertThat(cli(Map.of(), "cluster", "load-image", "--help").out()).doesNotContain("--server");
    }
}
