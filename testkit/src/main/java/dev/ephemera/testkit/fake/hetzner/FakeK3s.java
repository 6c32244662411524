package dev.ephemera.testkit.fake.hetzner;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The K3s API server of one fake Hetzner server: TLS with a serving certificate minted from the
 * server CA found in the user data (or from a CA of its own when none was there, as K3s does),
 * client certificates checked against the client CA, anonymous requests refused with 401 (K3s
 * runs with anonymous auth off), and {@code GET /readyz} answering {@code ok}. Everything else
 * can be passed on to an upstream Kubernetes API (fabric8's mock server), so a kubeconfig pointing
 * at the server works end to end: client-certificate users and bearer-token users are forwarded,
 * anonymous requests are not.
 */
public final class FakeK3s implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor;
    private final X509Certificate servingCa;
    private final String version;
    private final URI upstream;
    private final HttpClient proxy;

    private FakeK3s(HttpsServer server, ExecutorService executor, X509Certificate servingCa, String version, URI upstream) {
        this.server = server;
        this.executor = executor;
        this.servingCa = servingCa;
        this.version = version;
        this.upstream = upstream;
        this.proxy = upstream == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * @param upstream where the Kubernetes API itself is served (e.g. fabric8's mock server), or
     *                 null: requests other than the health endpoints are then answered 404
     */
    static FakeK3s start(String ip, int port, Certs.Pair serverCa, X509Certificate clientCa, List<String> sans, String version,
                         URI upstream) throws IOException {
        List<String> dns = new ArrayList<>(List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local"));
        List<String> ips = new ArrayList<>(List.of("127.0.0.1", "10.43.0.1"));
        if (!ips.contains(ip)) {
            ips.add(ip);
        }
        for (String s : sans) {
            if (s.matches("[0-9.]+") || s.contains(":")) {
                if (!ips.contains(s)) {
                    ips.add(s);
                }
            } else if (!dns.contains(s)) {
                dns.add(s);
            }
        }
        Certs.Pair serving = Certs.serving(serverCa, dns, ips);
        SSLContext ctx = Certs.serverContext(serving, serverCa.certificate(), clientCa);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(ip, port), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                // Like kube-apiserver: ask for a client certificate, refuse an untrusted one in the handshake.
                p.setWantClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-k3s-" + ip);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        FakeK3s k3s = new FakeK3s(server, executor, serverCa.certificate(), version, upstream);
        server.createContext("/", k3s::handle);
        server.start();
        return k3s;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The CA that signed the serving certificate (ours from the user data, or K3s's own). */
    public X509Certificate servingCa() {
        return servingCa;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String user = user((HttpsExchange) exchange);
            String path = exchange.getRequestURI().getPath();
            boolean health = path.equals("/readyz") || path.equals("/livez") || path.equals("/healthz") || path.equals("/version");
            String bearer = exchange.getRequestHeaders().getFirst("Authorization");
            if (user == null && upstream != null && !health && bearer != null && bearer.startsWith("Bearer ")) {
                // A token user (a CI kubeconfig): the upstream stands in for the API server and its authenticators.
                forward(exchange);
                return;
            }
            if (user == null) {
                send(exchange, 401, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                        + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
                return;
            }
            switch (path) {
                case "/readyz", "/livez", "/healthz" -> send(exchange, 200, "text/plain; charset=utf-8", "ok");
                case "/version" -> send(exchange, 200, "application/json", "{\"major\":\"1\",\"gitVersion\":\"" + version + "\",\"platform\":\"linux/amd64\"}");
                default -> {
                    if (upstream != null) {
                        forward(exchange);
                        return;
                    }
                    send(exchange, 404, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                        + "\"status\":\"Failure\",\"message\":\"the fake K3s only answers /readyz, /livez, /healthz and /version\","
                        + "\"reason\":\"NotFound\",\"code\":404}");
                }
            }
        }
    }

    /** Passes a request on to the upstream Kubernetes API and streams its answer back. */
    private void forward(HttpExchange exchange) throws IOException {
        String raw = exchange.getRequestURI().getRawPath() + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        String base = upstream.toString().endsWith("/") ? upstream.toString().substring(0, upstream.toString().length() - 1) : upstream.toString();
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + raw)).timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : List.of("Authorization", "Accept", "Content-Type", "User-Agent")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        HttpResponse<java.io.InputStream> r;
        try {
            r = proxy.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, "text/plain", "interrupted");
            return;
        } catch (IOException e) {
            send(exchange, 502, "text/plain", "upstream Kubernetes API unreachable: " + e.getMessage());
            return;
        }
        r.headers().firstValue("Content-Type").ifPresent(t -> exchange.getResponseHeaders().set("Content-Type", t));
        exchange.sendResponseHeaders(r.statusCode(), 0);
        try (java.io.InputStream in = r.body(); OutputStream out = exchange.getResponseBody()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        }
    }

    private static String user(HttpsExchange exchange) {
        try {
            X509Certificate cert = (X509Certificate) exchange.getSSLSession().getPeerCertificates()[0];
            return cert.getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
