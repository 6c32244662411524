package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.docker.TestImages;
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
 * Issue 14's "done when" with the packaged distribution as real processes on the real Docker
 * engine: {@code ephemera cluster create} on the embedded defaults (the {@code docker} backend;
 * only {@code docker.privileged: false}, because this engine refuses privileged containers) with
 * the stand-in K3s image under the pinned name, kubectl with the CI kubeconfig, labels, delete, and
 * a create killed like {@code kill -9} after the container exists.
 */
@DisplayName("ephemera cluster create/delete on the docker backend, on the real engine")
@ExtendWith(StandInK3sImage.Engine.class)
class DockerClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "pr-1";
    private static final String[] OURS = {"ephemera.dev/cluster=" + ID, "ephemera.dev/installation=default"};

    @TempDir
    Path dir;

    @BeforeAll
    static void image(StandInK3sImage image) {
        assertThat(image.name()).isEqualTo("rancher/k3s:v1.31.4-k3s1");
    }

    @BeforeEach
    void nothingOfOursYet() throws IOException {
        // The test removes what carries pr-1's labels of the default installation: make sure it made them.
        for (String kind : List.of("container", "network", "volume")) {
            assumeTrue(Docker.labelled(kind, OURS).isEmpty(), "skipped: this engine already has a " + kind + " of cluster " + ID
                    + " (installation default) that this test did not make");
        }
    }

    @AfterEach
    void clean() throws IOException {
        try {
            Docker.removeLabelled(OURS);
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

    @Test
    @DisplayName("create on the embedded defaults reaches Ready; kubectl authenticates as the CI service account; one container; delete leaves nothing, twice")
    void createOnDefaultsThenDelete() throws Exception {
        Path kc = dir.resolve("kc.yaml");

        Result create = ephemera(Map.of(), "cluster", "create", ID, "--wait", "--timeout", "4m", "--kubeconfig-out", kc.toString(), "--output", "json");

        assertThat(create.code()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("phase").asText()).isEqualTo("Ready");
        assertThat(created.path("backend").asText()).isEqualTo("docker");
        assertThat(created.path("endpoint").path("apiUrl").asText()).startsWith("https://127.0.0.1:");

        Result whoami = kubectl("--kubeconfig", kc.toString(), "auth", "whoami", "-o", "json");
        assertThat(whoami.code()).as(whoami.err()).isZero();
        assertThat(JSON.readTree(whoami.out()).at("/status/userInfo/username").asText())
                .isEqualTo("system:serviceaccount:ephemera-ci:ephemera-ci");
        Result accounts = kubectl("--kubeconfig", kc.toString(), "get", "--raw", "/api/v1/namespaces/ephemera-ci/serviceaccounts");
        assertThat(accounts.code()).as(accounts.err()).isZero();
        assertThat(accounts.out()).contains("\"name\":\"ephemera-ci\"");

        Docker.Result ps = Docker.run(List.of("ps", "--filter", "label=ephemera.dev/cluster=" + ID, "--format", "{{.ID}} {{.Image}}"), null, 30);
        assertThat(ps.out().lines().toList()).singleElement().asString().endsWith(" rancher/k3s:v1.31.4-k3s1");

        // load-image: two images made with docker import end up listed by the node's ctr; an image the engine lacks exits 3.
        String imageA = "ephemera-it/app:pr-1";
        String imageB = "ephemera-it/e2e-tests:pr-1";
        TestImages.make(imageA, 200_000);
        TestImages.make(imageB, 50_000);
        Result load = ephemera(Map.of(), "cluster", "load-image", ID, imageA, imageB, "--output", "json");
        assertThat(load.code()).as(load.err()).isZero();
        assertThat(JSON.readTree(load.out()).get(0).path("imported").toString()).contains(imageA, imageB);
        String node = Docker.labelled("container", OURS).get(0);
        Docker.Result listed = Docker.run(List.of("exec", node, "ctr", "--namespace=k8s.io", "images", "ls", "-q"), null, 60);
        assertThat(listed.out().lines().toList()).contains("docker.io/" + imageA, "docker.io/" + imageB);
        Result missing = ephemera(Map.of(), "cluster", "load-image", ID, "ephemera-it/not-built:pr-1");
        assertThat(missing.code()).as(missing.err()).isEqualTo(3);
        assertThat(missing.err()).contains("ephemera-it/not-built:pr-1");

        Result delete = ephemera(Map.of(), "cluster", "delete", ID, "--wait", "--output", "json");
        assertThat(delete.code()).as(delete.err()).isZero();
        assertThat(JSON.readTree(delete.out()).path("phase").asText()).isEqualTo("Deleted");
        for (String kind : List.of("container", "network", "volume")) {
            assertThat(Docker.labelled(kind, "ephemera.dev/cluster=" + ID)).as(kind + "s left").isEmpty();
        }
        Result again = ephemera(Map.of(), "cluster", "delete", ID, "--wait", "--output", "json");
        assertThat(again.code()).as(again.err()).isZero();
    }

    @Test
    @DisplayName("create killed like kill -9 right after the container was made, then run again: still one container, Ready")
    void killedAfterTheContainerExists() throws Exception {
        // Saves of a claim: PKI issued (1), Provisioning (2), creation requested (3) — the container exists and was started.
        Result killed = halting(3, "cluster", "create", ID, "--wait", "--timeout", "4m");
        assertThat(killed.code()).as(killed.err()).isEqualTo(137);
        assertThat(Docker.labelled("container", OURS)).hasSize(1);

        Result again = ephemera(Map.of(), "cluster", "create", ID, "--wait", "--timeout", "4m", "--output", "json");

        assertThat(again.code()).as(again.err()).isZero();
        assertThat(JSON.readTree(again.out()).path("phase").asText()).isEqualTo("Ready");
        assertThat(Docker.labelled("container", OURS)).hasSize(1);
        assertThat(ephemera(Map.of(), "cluster", "delete", ID, "--wait").code()).isZero();
    }
}
