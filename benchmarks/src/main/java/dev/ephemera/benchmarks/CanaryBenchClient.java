package dev.ephemera.benchmarks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Load against {@link CanaryBenchServer}, from a separate JVM so the server's heap and threads
 * are its own:
 * <ul>
 *   <li>{@code throughput URL [connections=64] [seconds=20] [canaries=100]}: closed loop, each
 *       connection sends the next webhook (rotating over the canaries whose Jobs have finished)
 *       as soon as the last is answered; req/s and latency percentiles after a 5 s warm-up.</li>
 *   <li>{@code rate URL [rps=10000] [seconds=30] [connections=32] [canaries=100]}: open loop at a
 *       fixed rate; latency counted from when each request was due (no coordinated omission).</li>
 *   <li>{@code delay URL [rounds=20] [held=50]}: per round, {@code held} gate-mode requests wait
 *       on a fresh Job; the Job is marked Complete; time from that call to each answer.</li>
 *   <li>{@code hold URL [count=1000]}: the server's heap (after GC) and threads before and while
 *       {@code count} requests are held, then after they are answered.</li>
 * </ul>
 */
public final class CanaryBenchClient {
    private CanaryBenchClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CanaryBenchClient throughput|delay|hold URL [args]");
            System.exit(2);
        }
        URI url = URI.create(args[1]);
        Vertx vertx = Vertx.vertx();
        try {
            switch (args[0]) {
                case "throughput" -> throughput(vertx, url, arg(args, 2, 64), arg(args, 3, 20), arg(args, 4, 100));
                case "rate" -> rate(vertx, url, arg(args, 2, 10_000), arg(args, 3, 30), arg(args, 4, 32), arg(args, 5, 100));
                case "delay" -> delay(vertx, url, arg(args, 2, 20), arg(args, 3, 50));
                case "hold" -> hold(vertx, url, arg(args, 2, 1000));
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private static HttpClient client(Vertx vertx, URI url, int connections) {
        return vertx.createHttpClient(new HttpClientOptions().setDefaultHost(url.getHost()).setDefaultPort(url.getPort())
                .setKeepAlive(true).setIdleTimeout(0), new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    static Buffer payload(String name, String checksum) {
        return Buffer.buffer("{\"name\":\"" + name + "\",\"namespace\":\"" + CanaryBenchServer.NS
                + "\",\"phase\":\"Progressing\",\"checksum\":\"" + checksum + "\"}");
    }

    private static Future<Integer> post(HttpClient http, Buffer body) {
        return http.request(HttpMethod.POST, "/webhook")
                .compose(req -> req.putHeader("content-type", "application/json").send(body))
                .compose(resp -> resp.body().map(b -> resp.statusCode()));
    }

    private static JsonObject get(HttpClient http, String path) throws Exception {
        return http.request(HttpMethod.GET, path).compose(req -> req.send()).compose(resp -> resp.body())
                .map(b -> b.toJsonObject()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static int inFlight(HttpClient http) throws Exception {
        return Integer.parseInt(http.request(HttpMethod.GET, "/bench/inflight").compose(req -> req.send()).compose(resp -> resp.body())
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString());
    }

    private static void complete(HttpClient http, String job) throws Exception {
        int status = http.request(HttpMethod.POST, "/bench/complete?job=" + job).compose(req -> req.send()).map(r -> r.statusCode())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (status != 204) {
            throw new IllegalStateException("completing " + job + " answered " + status);
        }
    }

    private static void throughput(Vertx vertx, URI url, int connections, int seconds, int canaries) throws Exception {
        HttpClient http = client(vertx, url, connections);
        Buffer[] bodies = new Buffer[canaries];
        for (int i = 0; i < canaries; i++) {
            bodies[i] = payload("app-" + i, "done");
        }
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        int capacity = 40_000_000;
        long[] samples = new long[capacity];
        AtomicLong recorded = new AtomicLong();
        AtomicLong non200 = new AtomicLong();
        AtomicLong counter = new AtomicLong();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops.add(done);
            vertx.runOnContext(v -> loop(http, bodies, counter, warmupEnd, end, samples, recorded, non200, done));
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
        int n = (int) Math.min(recorded.get(), capacity);
        long[] lat = Arrays.copyOf(samples, n);
        Arrays.sort(lat);
        System.out.printf("throughput: connections=%d canaries=%d seconds=%d requests=%d non200=%d%n", connections, canaries, seconds, n,
                non200.get());
        System.out.printf("  req/s=%.0f p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n", n / (double) seconds,
                ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), ms(pct(lat, 99.9)), ms(lat[n - 1]));
    }

    private static void rate(Vertx vertx, URI url, int rps, int seconds, int connections, int canaries) throws Exception {
        HttpClient http = client(vertx, url, connections);
        Buffer[] bodies = new Buffer[canaries];
        for (int i = 0; i < canaries; i++) {
            bodies[i] = payload("app-" + i, "done");
        }
        long total = (long) rps * (seconds + 5);
        long warmup = (long) rps * 5;
        long[] samples = new long[(int) (total - warmup)];
        AtomicLong answered = new AtomicLong();
        AtomicLong non200 = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long start = System.nanoTime();
        double interval = 1e9 / rps;
        long[] sent = {0};
        // Every millisecond, send what is due; each request's latency counts from when it was due.
        vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            while (sent[0] < total && start + (long) (sent[0] * interval) <= now) {
                long i = sent[0]++;
                long due = start + (long) (i * interval);
                post(http, bodies[(int) (i % canaries)]).onComplete(r -> {
                    long lat = System.nanoTime() - due;
                    if (i >= warmup) {
                        samples[(int) (i - warmup)] = lat;
                        if (r.failed() || r.result() != 200) {
                            non200.incrementAndGet();
                        }
                    }
                    if (answered.incrementAndGet() == total) {
                        done.complete(null);
                    }
                });
            }
            if (sent[0] >= total) {
                vertx.cancelTimer(id);
            }
        });
        done.get(seconds + 120L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] lat = samples.clone();
        Arrays.sort(lat);
        System.out.printf("rate: target=%d req/s connections=%d canaries=%d measured=%ds requests=%d non200=%d achieved=%.0f req/s%n", rps,
                connections, canaries, seconds, lat.length, non200.get(), total / elapsed);
        System.out.printf("  latency from due time: p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n", ms(pct(lat, 50)),
                ms(pct(lat, 90)), ms(pct(lat, 99)), ms(pct(lat, 99.9)), ms(lat[lat.length - 1]));
    }

    private static void loop(HttpClient http, Buffer[] bodies, AtomicLong counter, long warmupEnd, long end, long[] samples,
            AtomicLong recorded, AtomicLong non200, CompletableFuture<Void> done) {
        long start = System.nanoTime();
        if (start >= end) {
            done.complete(null);
            return;
        }
        Buffer body = bodies[(int) (counter.getAndIncrement() % bodies.length)];
        post(http, body).onComplete(r -> {
            long now = System.nanoTime();
            if (start >= warmupEnd) {
                if (r.failed() || r.result() != 200) {
                    non200.incrementAndGet();
                }
                long i = recorded.getAndIncrement();
                if (i < samples.length) {
                    samples[(int) i] = now - start;
                }
            }
            loop(http, bodies, counter, warmupEnd, end, samples, recorded, non200, done);
        });
    }

    private static void delay(Vertx vertx, URI url, int rounds, int held) throws Exception {
        HttpClient http = client(vertx, url, held + 4);
        List<Long> all = new ArrayList<>();
        List<Long> firsts = new ArrayList<>();
        List<Long> lasts = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            String checksum = "r" + r + "-" + System.nanoTime();
            String job = "e2e-held-" + checksum;
            AtomicReferenceArray<Long> arrivals = new AtomicReferenceArray<>(held);
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < held; i++) {
                int k = i;
                answers.add(post(http, payload("held", checksum)).onSuccess(s -> arrivals.set(k, System.nanoTime()))
                        .toCompletionStage().toCompletableFuture());
            }
            waitInFlight(http, held);
            long t0 = System.nanoTime();
            complete(http, job);
            for (CompletableFuture<Integer> a : answers) {
                int status = a.get(60, TimeUnit.SECONDS);
                if (status != 200) {
                    throw new IllegalStateException("a held request was answered " + status);
                }
            }
            long first = Long.MAX_VALUE;
            long last = 0;
            for (int i = 0; i < held; i++) {
                long d = arrivals.get(i) - t0;
                all.add(d);
                first = Math.min(first, d);
                last = Math.max(last, d);
            }
            firsts.add(first);
            lasts.add(last);
        }
        long[] lat = all.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] lastLat = lasts.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] firstLat = firsts.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("delay: rounds=%d held=%d (Job marked Complete -> held answer received; includes the status PUT)%n", rounds, held);
        System.out.printf("  every answer: p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms%n", ms(pct(lat, 50)), ms(pct(lat, 90)),
                ms(pct(lat, 99)), ms(lat[lat.length - 1]));
        System.out.printf("  first answer of a round: median=%.2fms max=%.2fms; last answer: median=%.2fms max=%.2fms%n",
                ms(pct(firstLat, 50)), ms(firstLat[firstLat.length - 1]), ms(pct(lastLat, 50)), ms(lastLat[lastLat.length - 1]));
    }

    private static void waitInFlight(HttpClient http, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long pause = 1;
        while (inFlight(http) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + inFlight(http) + " of " + n + " requests are held after 60 s");
            }
            TimeUnit.MILLISECONDS.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
    }

    private static void hold(Vertx vertx, URI url, int count) throws Exception {
        HttpClient stats = client(vertx, url, 2);
        HttpClient http = client(vertx, url, count);
        JsonObject before = get(stats, "/bench/stats");
        String checksum = "mem-" + System.nanoTime();
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(post(http, payload("held", checksum)).toCompletionStage().toCompletableFuture());
        }
        waitInFlight(stats, count);
        JsonObject during = get(stats, "/bench/stats");
        long t0 = System.nanoTime();
        long h0 = System.nanoTime();
        var health = stats.request(HttpMethod.GET, "/healthz").compose(req -> req.send()).map(r -> r.statusCode())
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        long healthNanos = System.nanoTime() - h0;
        complete(stats, "e2e-held-" + checksum);
        for (CompletableFuture<Integer> a : answers) {
            if (a.get(120, TimeUnit.SECONDS) != 200) {
                throw new IllegalStateException("a held request was not answered 200");
            }
        }
        long allAnswered = System.nanoTime() - t0;
        JsonObject after = get(stats, "/bench/stats");
        long perRequest = (during.getLong("heapUsed") - before.getLong("heapUsed")) / count;
        System.out.printf("hold: count=%d%n", count);
        System.out.printf("  server heap after GC: before=%.1f MiB held=%.1f MiB after=%.1f MiB (about %d bytes per held request)%n",
                mib(before.getLong("heapUsed")), mib(during.getLong("heapUsed")), mib(after.getLong("heapUsed")), perRequest);
        System.out.printf("  server threads: before=%d held=%d after=%d peak=%d%n", before.getInteger("threads"), during.getInteger("threads"),
                after.getInteger("threads"), after.getInteger("peakThreads"));
        System.out.printf("  /healthz with %d held: status=%d in %.2fms; all %d answered %.1fms after the Job completed%n", count, health,
                ms(healthNanos), count, ms(allAnswered));
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
