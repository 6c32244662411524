package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged distribution ({@code target/ephemera/bin/ephemera}) run as real, separate processes. */
class DistributionIT {
    @TempDir
    Path state;

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("ephemera.distribution", "target/ephemera")).resolve("bin/ephemera");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by `package`; run with mvn verify");
        return bin;
    }

    private ProcessBuilder ephemera(String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XDG_STATE_HOME", state.toString());
        pb.environment().put("HOME", state.resolve("home").toString());
        pb.environment().remove("EPHEMERA_CONFIG");
        pb.directory(state.toFile());
        return pb;
    }

    record Result(int code, String out, String err) {
    }

    private Result run(String... args) throws Exception {
        Process p = ephemera(args).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process finished").isTrue();
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void verifyWithNoKubeconfigOutsideAPodNamesWhereItLooked() throws Exception {
        ProcessBuilder pb = ephemera("verify", "--name", "shop", "--namespace", "ns", "--checksum", "1", "--wait", "--timeout", "30s");
        pb.environment().remove("KUBECONFIG");
        pb.environment().remove("KUBERNETES_SERVICE_HOST");
        // The JVM's home is the account's, not $HOME: point it at the empty test home.
        pb.environment().put("JAVA_OPTS", "-Duser.home=" + state.resolve("home"));
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        read(p.getInputStream());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err.get()).isEqualTo(10);
        assertThat(err.get()).contains("--kubeconfig").contains("KUBECONFIG").contains(".kube/config").contains("in-cluster")
                .doesNotContain("has not finished its first listing");
    }

    @Test
    void pkiIssueWorksWithTheRebuiltBouncyCastleJarsAndOpensslVerifiesTheCertificates() throws Exception {
        Path lib = launcher().getParent().getParent().resolve("lib");
        try (var jars = Files.list(lib)) {
            for (Path jar : jars.filter(j -> j.getFileName().toString().startsWith("bc")).toList()) {
                try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
                    assertThat(zip.stream().map(java.util.zip.ZipEntry::getName).filter(n -> n.endsWith(".SF") || n.endsWith(".RSA")).toList())
                            .as("signature files in %s", jar).isEmpty();
                    assertThat(new String(zip.getInputStream(zip.getEntry("META-INF/MANIFEST.MF")).readAllBytes(), StandardCharsets.UTF_8))
                            .as("%s stays a multi-release jar", jar).contains("Multi-Release: true");
                }
            }
        }
        Path out = state.resolve("pki");
        Result r = run("pki", "issue", "--cluster", "dist", "--san", "127.0.0.1,dist.local", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        for (String[] pair : List.of(new String[] {"ca.crt", "apiserver.crt"}, new String[] {"client-ca.crt", "admin.crt"})) {
            Process openssl = new ProcessBuilder("openssl", "verify", "-CAfile", out.resolve(pair[0]).toString(), out.resolve(pair[1]).toString())
                    .redirectErrorStream(true).start();
            String said = read(openssl.getInputStream());
            assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(openssl.exitValue()).as(pair[1] + ": " + said).isZero();
        }
    }

    @Test
    void aBadConfigurationValueIsOneErrorLineWithoutAStackTrace() throws Exception {
        Path cfg = Files.writeString(state.resolve("bad.yaml"), "policies:\n  grace: forever\n");
        Result r = run("cluster", "list", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(10);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("error: policies.grace:").doesNotContain("Guice").doesNotContain("\tat ");
    }

    @Test
    void twentyProcessesAllocatingAtOnceFromTenAddressesGetTenDistinctOnesAndTenCleanRefusals() throws Exception {
        assertThat(run("pool", "create", "lab", "--range", "10.0.0.1-10.0.0.10").code()).isZero();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            procs.add(ephemera("pool", "allocate", "ci-job-" + i, "--pool", "lab").start());
        }
        Set<String> addresses = new HashSet<>();
        int ok = 0;
        int exhausted = 0;
        for (Process p : procs) {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("allocator exited within 5 min (20 JVMs start at once)").isTrue();
            if (p.exitValue() == 0) {
                ok++;
                addresses.add(out.get().trim());
            } else {
                assertThat(p.exitValue()).as(err.get()).isEqualTo(ExitCodes.POOL_EXHAUSTED);
                assertThat(err.get()).contains("exhausted");
                exhausted++;
            }
        }
        assertThat(ok).isEqualTo(10);
        assertThat(exhausted).isEqualTo(10);
        assertThat(addresses).hasSize(10).allMatch(a -> a.matches("10\\.0\\.0\\.\\d+"));
        Result list = run("pool", "list", "--pool", "lab", "-o", "json");
        for (String a : addresses) {
            assertThat(list.out()).contains("\"" + a + "\"");
        }
        assertThat(state.resolve("ephemera/ephemera.db")).exists();
    }

    @Test
    void theServerAnswersHealthAndMetricsAndExitsCleanlyOnSigterm() throws Exception {
        Process server = ephemera("server", "--port", "0", "--host", "127.0.0.1").start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(server.getInputStream()));
        BufferedReader err = new BufferedReader(new InputStreamReader(server.getErrorStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
        String port = null;
        StringBuilder seen = new StringBuilder();
        for (String line; port == null && (line = err.readLine()) != null;) {
            seen.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = m.group(1);
            }
        }
        assertThat(port).as(seen.toString()).isNotNull();
        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder b = new StringBuilder();
                for (String line; (line = err.readLine()) != null;) {
                    b.append(line).append('\n');
                }
                return b.toString();
            } catch (IOException e) {
                return e.toString();
            }
        });
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        server.toHandle().destroy(); // SIGTERM, leaving our ends of its pipes open to read the goodbye
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(server.exitValue()).as(rest.get()).isZero();
        assertThat(rest.get()).contains("stopping");
        out.get();
    }
}
