package dev.ephemera.benchmarks;

import dev.ephemera.application.ClusterEvents;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server stepping many clusters at once (issue 13): the real server (bootstrap, SQLite state,
 * Vert.x on 127.0.0.1, the bearer token checked) with an instant backend and an API server that is
 * ready at once, so the figure is Ephemera's own work. {@code clients} threads
 * {@code POST /v1/clusters} {@code clusters} claims as fast as the server answers; the harness
 * then waits (a phase-change subscription, no polling) until every one is Ready, sampling the
 * JVM's threads and heap every 50 ms. Prints the time from the first claim to the last Ready, the
 * peak count of the server's threads (the JDK HTTP clients' own threads left out) against the count
 * before, and heap used after a GC before and after.
 *
 * <p>Usage: {@code benchmarks/run ServerSteppingHarness [clusters=500] [clients=50] [max-concurrent-steps=8]}.
 */
public final class ServerSteppingHarness {
    private static final String TOKEN = "bench-token-0123456789abcdef";

    private ServerSteppingHarness() {
    }

    public static void main(String[] args) throws Exception {
        int clusters = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dir = Files.createTempDirectory("ephemera-stepping-bench");
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\npolicies:\n  max-concurrent: 1000000\nserver:\n  token: env:BENCH_TOKEN\n"
                + "  max-concurrent-steps: " + steps + "\n");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg),
                Map.of("BENCH_TOKEN", TOKEN), dir, dir)), AdapterRegistry.discover());
             EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1 << 20,
                     Optional.of(dev.ephemera.domain.secret.Secret.of(TOKEN)), Duration.ofSeconds(5), Duration.ZERO, List.of()))) {
            String base = "http://127.0.0.1:" + server.start();
            HttpClient warm = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            // Warm-up (untimed): the JIT, the SQLite pages; the 50 warm-up clusters stay Ready (settled: the driver leaves them be).
            for (int i = 0; i < 50; i++) {
                expect(201, post(warm, base, "warm-" + i));
            }
            expect(200, get(warm, base + "/v1/clusters/warm-49?wait=Ready&timeout=2m"));
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            // The client threads exist before the baseline, so they are not counted as the server's.
            List<HttpClient> own = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                own.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
            }
            CountDownLatch started = new CountDownLatch(clients);
            for (int c = 0; c < clients; c++) {
                pool.submit(started::countDown);
            }
            started.await();

            Set<String> ready = ConcurrentHashMap.newKeySet();
            CountDownLatch allReady = new CountDownLatch(clusters);
            AutoCloseable sub = ephemera.get(ClusterEvents.class).subscribe(change -> {
                String id = change.cluster().id().value();
                if (id.startsWith("s-") && change.cluster().phase() == Phase.READY && ready.add(id)) {
                    allReady.countDown();
                }
            });
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            int threadsBefore = threads.getThreadCount();
            int serverThreadsBefore = serverThreads();
            threads.resetPeakThreadCount();
            AtomicLong peakHeap = new AtomicLong(heapBefore);
            AtomicLong peakServerThreads = new AtomicLong(serverThreadsBefore);
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    peakServerThreads.accumulateAndGet(serverThreads(), Math::max);
                    try {
                        Thread.sleep(50); // the sampling interval
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "sampler");
            sampler.setDaemon(true);
            sampler.start();

            long t0 = System.nanoTime();
            List<Future<?>> posts = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                HttpClient http = own.get(c);
                int client = c;
                posts.add(pool.submit(() -> {
                    for (int i = client; i < clusters; i += clients) {
                        expect(201, post(http, base, "s-" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : posts) {
                f.get();
            }
            double claimed = (System.nanoTime() - t0) / 1e9;
            if (!allReady.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + ready.size() + " of " + clusters + " clusters were Ready after 30 minutes");
            }
            double allDone = (System.nanoTime() - t0) / 1e9;
            int peakThreads = threads.getPeakThreadCount();
            sampler.interrupt();
            sub.close();
            // What the list says, not only what the events said.
            int readyInList = 0;
            for (com.fasterxml.jackson.databind.JsonNode c : dev.ephemera.server.ApiJson.MAPPER.readTree(get(warm, base + "/v1/clusters").body())) {
                readyInList += c.path("phase").asText().equals("Ready") ? 1 : 0;
            }
            System.gc();
            long heapAfter = memory.getHeapMemoryUsage().getUsed();
            System.out.printf("%d clusters claimed by %d clients over the API in %.2f s; all Ready %.2f s after the first claim (%.0f clusters/s);"
                    + " max-concurrent-steps %d%n", clusters, clients, claimed, allDone, clusters / allDone, steps);
            System.out.printf("threads of the server (all but the benchmark's HTTP clients and their pool): %d before, peak %d during (+%d);"
                    + " whole JVM %d before, peak %d%n", serverThreadsBefore, peakServerThreads.get(), peakServerThreads.get() - serverThreadsBefore,
                    threadsBefore, peakThreads);
            System.out.printf("heap used after GC: %.1f MB before, %.1f MB after (%.1f KB per cluster); peak heap sampled %.1f MB (garbage included)%n",
                    heapBefore / 1e6, heapAfter / 1e6, (heapAfter - heapBefore) / 1e3 / clusters, peakHeap.get() / 1e6);
            System.out.printf("check: GET /v1/clusters lists %d Ready clusters (%d warm-up + %d)%n", readyInList, 50, clusters);
            pool.shutdownNow();
        }
    }

    /** Threads that are not the benchmark's own clients: the JDK HTTP clients' ("HttpClient-…") and the client pool's ("pool-…"). */
    private static int serverThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.getName().startsWith("HttpClient-") && !t.getName().startsWith("pool-") && !t.getName().equals("sampler")) {
                n++;
            }
        }
        return n;
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
}
