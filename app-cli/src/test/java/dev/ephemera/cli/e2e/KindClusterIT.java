package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.docker.TestImages;
import dev.ephemera.testkit.kind.StandInKind;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kind} backend and {@code --load-image} with the packaged distribution as real
 * processes: {@code ephemera cluster create --backend kind} runs the stand-in kind CLI (testkit
 * {@link StandInKind}), which makes a labelled node container on the real engine from the
 * stand-in image; our CAs reach its stand-in kubeadm through the generated config's mounts. The
 * images named with {@code --load-image} are in the node before Ready.
 */
@DisplayName("ephemera cluster create --backend kind --load-image, on the real engine with the stand-in kind")
@ExtendWith(StandInK3sImage.Engine.class)
class KindClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KIND_LABEL = "io.x-k8s.kind.cluster";
    private static StandInK3sImage image;

    @TempDir
    Path dir;
    private Path kindBinary;
    private String network;

    @BeforeAll
    static void image(StandInK3sImage built) {
        image = built;
    }

    @BeforeEach
    void standInKind() throws IOException {
        network = "ephemera-it-kind-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        kindBinary = StandInKind.writeExecutable(dir.resolve("bin"), network);
        for (String id : List.of("kind-1", "kind-2", "kind-3")) {
            assumeTrue(Docker.labelled("container", KIND_LABEL + "=ephemera-default-" + id).isEmpty(),
                    "skipped: this engine already has kind nodes of ephemera-default-" + id + " that this test did not make");
        }
    }

    @AfterEach
    void clean() throws IOException {
        try {
            for (String id : List.of("kind-1", "kind-2", "kind-3")) {
                for (String c : Docker.labelled("container", KIND_LABEL + "=ephemera-default-" + id)) {
                    Docker.run(List.of("rm", "-f", "-v", c), null, 120);
                }
            }
            Docker.run(List.of("network", "rm", network), null, 60);
        } finally {
            TestImages.removeAll();
        }
    }

    private static Path launcher() {
        Path bin = Path.of(System.getProperty("ephemera.distribution", "target/ephemera")).resolve("bin/ephemera");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by `package`; run with mvn verify");
        return bin;
    }

    record Result(int code, String out, String err) {
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("HOME", dir.resolve("home").toString());
        env.put("EPHEMERA_DOCKER_PRIVILEGED", "false");
        env.put("EPHEMERA_KIND_BINARY", kindBinary.toString());
        env.put("EPHEMERA_KIND_NODE_IMAGE", image.id());
        return env;
    }

    private Result ephemera(Map<String, String> extraEnv, String... args) throws Exception {
        return run(new ArrayList<>(List.of(launcher().toString())), extraEnv, args);
    }

    /** The same command in a JVM started by {@link HaltingCli}, which halts after the N-th saved step like kill -9. */
    private Result halting(int n, String... args) throws Exception {
        Path home = launcher().getParent().getParent();
        Path testClasses = Path.of(HaltingCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dephemera.home=" + home, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", home.resolve("lib") + "/*" + java.io.File.pathSeparator + testClasses,
                HaltingCli.class.getName(), Integer.toString(n)));
        return run(cmd, Map.of(), args);
    }

    private Result run(List<String> cmd, Map<String, String> extraEnv, String... args) throws Exception {
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("EPHEMERA_") || k.equals("KUBECONFIG"));
        pb.environment().putAll(env());
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ephemera " + String.join(" ", args) + " did not finish within 5 minutes");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Result kubectl(String... args) throws Exception {
        String kubectl = World.kubectl().orElse(null);
        assumeTrue(kubectl != null, "skipped: kubectl is not on PATH");
        List<String> cmd = new ArrayList<>(List.of(kubectl));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", dir.resolve("home").toString());
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60 s");
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private List<String> nodes(String id) throws IOException {
        return Docker.labelled("container", KIND_LABEL + "=ephemera-default-" + id);
    }

    @Test
    @DisplayName("create --backend kind --load-image A --load-image B reaches Ready with both images in the node; kubectl is the CI account; delete leaves no node, twice")
    void kindWithImagesThenDelete() throws Exception {
        String imageA = "ephemera-it/kind-app:" + network;
        String imageB = "ephemera-it/kind-tests:" + network;
        TestImages.make(imageA, 150_000);
        TestImages.make(imageB, 30_000);
        Path kc = dir.resolve("kc.yaml");

        Result create = ephemera(Map.of(), "cluster", "create", "kind-1", "--backend", "kind", "--wait", "--timeout", "4m",
                "--load-image", imageA, "--load-image", imageB, "--kubeconfig-out", kc.toString(), "--output", "json");

        assertThat(create.code()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("phase").asText()).isEqualTo("Ready");
        assertThat(created.path("backend").asText()).isEqualTo("kind");
        assertThat(nodes("kind-1")).hasSize(1);
        Docker.Result listed = Docker.run(List.of("exec", nodes("kind-1").get(0), "ctr", "--namespace=k8s.io", "images", "ls", "-q"), null, 60);
        assertThat(listed.out().lines().toList()).contains("docker.io/" + imageA, "docker.io/" + imageB);
        Result whoami = kubectl("--kubeconfig", kc.toString(), "auth", "whoami", "-o", "json");
        assertThat(whoami.code()).as(whoami.err()).isZero();
        assertThat(JSON.readTree(whoami.out()).at("/status/userInfo/username").asText())
                .isEqualTo("system:serviceaccount:ephemera-ci:ephemera-ci");
        Result again = ephemera(Map.of(), "cluster", "load-image", "kind-1", imageA, "--output", "json");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(JSON.readTree(again.out()).get(0).path("skipped").toString()).contains(imageA);

        Result delete = ephemera(Map.of(), "cluster", "delete", "kind-1", "--wait", "--output", "json");
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(JSON.readTree(delete.out()).path("phase").asText()).isEqualTo("Deleted");
        assertThat(nodes("kind-1")).isEmpty();
        assertThat(dir.resolve("state/ephemera/kind/ephemera-default-kind-1")).doesNotExist();
        assertThat(ephemera(Map.of(), "cluster", "delete", "kind-1", "--wait").code()).isZero();
    }

    @Test
    @DisplayName("--load-image of an image the engine lacks: exit 3 naming it, and the failed cluster is cleaned up")
    void missingImageFailsTheClaim() throws Exception {
        Result create = ephemera(Map.of(), "cluster", "create", "kind-2", "--backend", "kind", "--wait", "--timeout", "4m",
                "--load-image", "ephemera-it/not-built:" + network);

        assertThat(create.code()).as(create.err()).isEqualTo(3);
        assertThat(create.err()).contains("ephemera-it/not-built:" + network);
        assertThat(nodes("kind-2")).isEmpty();
    }

    @Test
    @DisplayName("create killed like kill -9 after kind made the node, then run again: still one node, Ready")
    void killedAfterTheNodeExists() throws Exception {
        // Saves of a claim: PKI issued (1), Provisioning (2), creation requested (3) — kind create cluster has returned.
        Result killed = halting(3, "cluster", "create", "kind-3", "--backend", "kind", "--wait", "--timeout", "4m");
        assertThat(killed.code()).as(killed.err()).isEqualTo(137);
        assertThat(nodes("kind-3")).hasSize(1);

        Result again = ephemera(Map.of(), "cluster", "create", "kind-3", "--backend", "kind", "--wait", "--timeout", "4m", "--output", "json");

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(JSON.readTree(again.out()).path("phase").asText()).isEqualTo("Ready");
        assertThat(nodes("kind-3")).hasSize(1);
        assertThat(ephemera(Map.of(), "cluster", "delete", "kind-3", "--wait").code()).isZero();
        assertThat(nodes("kind-3")).isEmpty();
    }

    @Test
    @DisplayName("a kind binary that is not there: exit 10 naming it, nothing recorded")
    void missingKind() throws Exception {
        Result create = ephemera(Map.of("EPHEMERA_KIND_BINARY", "/nonexistent/kind"), "cluster", "create", "kind-1", "--backend", "kind");

        assertThat(create.code()).as(create.err()).isEqualTo(10);
        assertThat(create.err()).contains("/nonexistent/kind");
        assertThat(ephemera(Map.of(), "cluster", "get", "kind-1").code()).isEqualTo(3);
    }
}
