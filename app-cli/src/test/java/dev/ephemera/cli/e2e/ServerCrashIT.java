package dev.ephemera.cli.e2e;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: {@code ephemera server} (the packaged distribution, a real process) killed with
 * SIGKILL while its driver provisions a claim made through the API; a new server on the same
 * store picks the claim up once the dead one's step lease has run out, and it converges to
 * exactly one Hetzner server, Ready.
 */
@DisplayName("ephemera server killed mid-provisioning, then started again")
class ServerCrashIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "crash-it-token-0123456789";
    private static final Pattern LISTENING = Pattern.compile("listening on (http://[^ ]+)");

    @TempDir
    Path dir;

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("ephemera.distribution", "target/ephemera")).resolve("bin/ephemera");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by `package`; run with mvn verify");
        return bin;
    }

    record Server(Process process, String base, CompletableFuture<String> log) {
    }

    private Server startServer(World world) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher().toString(), "server", "--port", "0", "--host", "127.0.0.1",
                "--config", world.config.toString()).directory(world.dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("EPHEMERA_"));
        pb.environment().putAll(world.env());
        pb.environment().put("E2E_API_TOKEN", TOKEN);
        Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> base = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = err.readLine()) != null; ) {
                    log.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        base.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                log.append(e);
            }
            base.completeExceptionally(new AssertionError("the server exited without listening:\n" + log));
            return log.toString();
        });
        return new Server(p, base.get(2, TimeUnit.MINUTES), rest);
    }

    private static HttpResponse<String> call(String base, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String phase(String base, String id) {
        try {
            return JSON.readTree(call(base, "GET", "/v1/clusters/" + id, null).body()).path("phase").asText();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    @DisplayName("the second server finishes the claim: Ready, with exactly one server at Hetzner")
    void restartConverges() throws Exception {
        launcher();
        try (World world = World.start(dir)) {
            Files.writeString(world.config, "server:\n  token: env:E2E_API_TOKEN\n  step-lease: 2s\n  rescan-interval: 200ms\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            Server first = startServer(world);
            List<String> seen = new ArrayList<>();
            try {
                HttpResponse<String> claim = call(first.base(), "POST", "/v1/clusters",
                        "{\"id\": \"pr-42-shop\", \"backend\": \"hetzner\", \"owner\": \"acme/shop#42\"}");
                assertThat(claim.statusCode()).as(claim.body()).isEqualTo(201);
                // Mid-provisioning: Hetzner has the server, the record is not Ready yet.
                eventually("the first server has created the Hetzner server", Duration.ofMinutes(2), () -> !world.hetzner.servers().isEmpty(),
                        () -> phase(first.base(), "pr-42-shop"));
                seen.add(phase(first.base(), "pr-42-shop"));
            } finally {
                first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no lease given up
                assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(seen).allMatch(p -> !p.equals("Ready"));
            assertThat(first.process().exitValue()).isEqualTo(137);

            Server second = startServer(world);
            try {
                eventually("the second server brings the claim to Ready", Duration.ofMinutes(3),
                        () -> phase(second.base(), "pr-42-shop").equals("Ready"), () -> phase(second.base(), "pr-42-shop"));
                assertThat(world.hetzner.servers()).as("servers at Hetzner").hasSize(1);
                assertThat(world.hetzner.violations()).isEmpty();
                HttpResponse<String> kc = call(second.base(), "GET", "/v1/clusters/pr-42-shop/kubeconfig", null);
                assertThat(kc.statusCode()).as(kc.body()).isEqualTo(200);
            } finally {
                second.process().destroy(); // SIGTERM: graceful
                assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(second.process().exitValue()).as(second.log().get(10, TimeUnit.SECONDS)).isZero();
        }
    }
}
