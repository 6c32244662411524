package dev.ephemera.benchmarks;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.spi.Settings;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to issue one complete cluster PKI bundle (DESIGN section 8: under 5 ms for ECDSA P-256):
 * five CAs, the service-account key, the API server and admin certificates, all encoded as PEM —
 * eight key pairs and seven signatures. Goes through the production path: the {@code
 * bouncycastle} factory found by {@code ServiceLoader} (through the AdapterRegistry), configured with the key type.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
public class PkiBundleBenchmark {
    @Param({"ecdsa-p256", "rsa-2048", "rsa-4096"})
    public String keyType;

    private CertificateAuthority ca;
    private PkiRequest request;

    @Setup
    public void setUp() {
        CertificateAuthorityFactory factory = AdapterRegistry.discover().factory(CertificateAuthorityFactory.class, "bouncycastle");
        ca = factory.create(new Settings("bouncycastle", Map.of("key-type", keyType)));
        request = PkiRequest.ofSans("pr-42-shop", List.of("api.pr-42-shop.example.com", "203.0.113.10"));
    }

    @TearDown
    public void tearDown() {
        ca.close();
    }

    @Benchmark
    public PkiBundle issueBundle() {
        return ca.issue(request);
    }

    /**
     * The same operation timed by the thread's CPU time instead of the wall clock: on a machine
     * shared with other work, wall-clock figures also count the time spent waiting for a core,
     * CPU time only the work. {@code benchmarks/run PkiBundleBenchmark [key-type] [bundles]}.
     */
    public static void main(String[] args) {
        PkiBundleBenchmark b = new PkiBundleBenchmark();
        b.keyType = args.length > 0 ? args[0] : "ecdsa-p256";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        b.setUp();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 2 * n; i++) {
            b.issueBundle(); // warm-up: let the JIT compile the signing and encoding paths
        }
        long[] cpu = new long[n];
        long wallStart = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long start = threads.getCurrentThreadCpuTime();
            b.issueBundle();
            cpu[i] = threads.getCurrentThreadCpuTime() - start;
        }
        long wall = System.nanoTime() - wallStart;
        b.tearDown();
        Arrays.sort(cpu);
        System.out.printf(Locale.ROOT, "%s, %d bundles: CPU time per bundle mean %.3f ms, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms;"
                        + " wall-clock mean %.3f ms%n", b.keyType, n, Arrays.stream(cpu).average().orElse(0) / 1e6,
                cpu[n / 2] / 1e6, cpu[n * 9 / 10] / 1e6, cpu[n * 99 / 100] / 1e6, wall / 1e6 / n);
    }
}
