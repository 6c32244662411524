package dev.ephemera.benchmarks;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST API under load, through the real server (bootstrap, SQLite state, Vert.x on
 * 127.0.0.1, the bearer token checked on every request) with an instant backend:
 * <ol>
 *   <li>claim overhead: {@code clients} threads each {@code POST /v1/clusters} {@code claims}
 *       new claims, one at a time, while the server's driver steps them all to Ready in the
 *       background; the latency of each answer (201) is recorded;</li>
 *   <li>reads: {@code readers} threads {@code GET /v1/clusters/{id}} of one Ready cluster for
 *       {@code seconds} seconds; requests per second and latency.</li>
 * </ol>
 * Usage: {@code benchmarks/run ApiBenchHarness [clients=50] [claims=20] [readers=16] [seconds=10]}.
 * With {@code serve} as the only argument it starts the same server, claims {@code c-0}, prints
 * the URL and token and waits, for {@code wrk}.
 */
public final class ApiBenchHarness {
    private static final String TOKEN = "bench-token-0123456789abcdef";

    private ApiBenchHarness() {
    }

    public static void main(String[] args) throws Exception {
        boolean serve = args.length == 1 && args[0].equals("serve");
        int clients = !serve && args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int claims = !serve && args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int readers = !serve && args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int seconds = !serve && args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Path dir = Files.createTempDirectory("ephemera-api-bench");
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\npolicies:\n  max-concurrent: 1000000\nserver:\n  token: env:BENCH_TOKEN\n");
        try (Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg),
                Map.of("BENCH_TOKEN", TOKEN), dir, dir)), AdapterRegistry.discover());
             EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", serve ? 8090 : 0, 1 << 20,
                     Optional.of(dev.ephemera.domain.secret.Secret.of(TOKEN)), Duration.ofSeconds(5), Duration.ZERO, List.of()))) {
            String base = "http://127.0.0.1:" + server.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // Warm-up (untimed): the JIT, the SQLite pages, the connection pool.
            for (int i = 0; i < 200; i++) {
                expect(201, post(http, base, "warm-" + i));
            }
            expect(201, post(http, base, "c-0"));
            expect(200, get(http, base + "/v1/clusters/c-0?wait=Ready&timeout=1m"));
            if (serve) {
                System.out.println("serving " + base + "  token " + TOKEN + "  (Ctrl-C stops)");
                Thread.currentThread().join();
            }

            ExecutorService pool = Executors.newFixedThreadPool(Math.max(clients, readers));
            List<Future<long[]>> results = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    long[] lat = new long[claims];
                    for (int i = 0; i < claims; i++) {
                        long s = System.nanoTime();
                        expect(201, post(own, base, "b-" + client + "-" + i));
                        lat[i] = System.nanoTime() - s;
                    }
                    return lat;
                }));
            }
            long[] all = new long[clients * claims];
            int k = 0;
            for (Future<long[]> f : results) {
                for (long v : f.get()) {
                    all[k++] = v;
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf("claims: %d clients x %d = %d POST /v1/clusters in %.2f s (%.0f/s); latency ms p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                    clients, claims, all.length, wall, all.length / wall, pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 100));

            AtomicInteger done = new AtomicInteger();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Future<List<Long>>> reads = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                reads.add(pool.submit(() -> {
                    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    List<Long> lat = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        expect(200, get(own, base + "/v1/clusters/c-0"));
                        lat.add(System.nanoTime() - s);
                        done.incrementAndGet();
                    }
                    return lat;
                }));
            }
            List<Long> rl = new ArrayList<>();
            for (Future<List<Long>> f : reads) {
                rl.addAll(f.get());
            }
            long[] ra = rl.stream().mapToLong(Long::longValue).toArray();
            System.out.printf("reads: %d threads GET /v1/clusters/c-0 for %d s: %d requests, %.0f req/s; latency ms p50 %.2f  p99 %.2f%n",
                    readers, seconds, done.get(), done.get() / (double) seconds, pct(ra, 50), pct(ra, 99));
            pool.shutdownNow();
        }
    }

    private static HttpResponse<String> post(HttpClient http, String base, String id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/clusters")).header("Authorization", "Bearer " + TOKEN)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"" + id + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expect(int status, HttpResponse<String> r) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().uri() + " answered " + r.statusCode() + ", not " + status + ": " + r.body());
        }
    }

    private static double pct(long[] v, int p) {
        if (v.length == 0) {
            return 0;
        }
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * s.length) - 1))] / 1e6;
    }
}
