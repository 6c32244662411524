package dev.ephemera.cli.e2e;

import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Everything a claim on the {@code hetzner} backend talks to, on loopback, plus the configuration
 * that points Ephemera at it: the fake Hetzner API (its servers boot a fake K3s with our PKI),
 * fabric8's mock Kubernetes API behind those K3s endpoints with a token controller, the fake
 * GitHub with {@code acme/shop} installed, and SQLite state and file-sink secrets in the test's
 * directory. Secrets reach the configuration as {@code env:} references only.
 */
final class World implements AutoCloseable {
    static final String REPO = "acme/shop";

    final Path dir;
    final MockKubernetesApi kube;
    final FakeHetzner hetzner;
    final FakeGitHub github;
    final TokenController tokens;
    final Path config;
    private final Map<String, String> env = new HashMap<>();

    private World(Path dir, FakeHetzner.Options options, Map<String, String> hetznerSettings) throws IOException {
        this.dir = dir;
        this.kube = new MockKubernetesApi();
        this.hetzner = FakeHetzner.start(options.withKubernetesUpstream(kube.uri()));
        this.github = FakeGitHub.start();
        github.install("acme", REPO);
        this.tokens = new TokenController(kube, this::clusterCaPem);
        StringBuilder yaml = new StringBuilder();
        yaml.append("backend: hetzner\n");
        yaml.append("hetzner:\n");
        yaml.append("  token: env:E2E_HCLOUD_TOKEN\n");
        yaml.append("  api-url: ").append(hetzner.apiUrl()).append('\n');
        yaml.append("  api-port: ").append(hetzner.apiPort()).append('\n');
        hetznerSettings.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(v).append('\n'));
        yaml.append("github:\n");
        yaml.append("  api-url: ").append(github.baseUrl()).append('\n');
        yaml.append("  app-id: \"").append(github.app().id()).append("\"\n");
        yaml.append("  private-key: env:E2E_GITHUB_APP_KEY\n");
        this.config = dir.resolve("ephemera.yaml");
        Files.writeString(config, yaml.toString(), StandardCharsets.UTF_8);
        env.put("E2E_HCLOUD_TOKEN", hetzner.token());
        env.put("E2E_GITHUB_APP_KEY", github.app().privateKeyPkcs1Pem());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("HOME", dir.resolve("home").toString());
        env.put("PWD", dir.toString());
        env.put("EPHEMERA_SQLITE_PATH", dir.resolve("state/ephemera/ephemera.db").toString());
        env.put("EPHEMERA_FILE_DIRECTORY", fileSink().toString());
    }

    static World start(Path dir) throws IOException {
        return start(dir, FakeHetzner.Options.defaults(), Map.of());
    }

    /** @param hetznerSettings extra keys of the {@code hetzner:} section, e.g. {@code primary-ip: true} */
    static World start(Path dir, FakeHetzner.Options options, Map<String, String> hetznerSettings) throws IOException {
        return new World(dir, options, hetznerSettings);
    }

    /** The environment of an {@code ephemera} run: secrets for the {@code env:} references, state paths in the test directory. */
    Map<String, String> env() {
        return Map.copyOf(env);
    }

    /** Where the file sink writes ({@code <scope>/<name>}). */
    Path fileSink() {
        return dir.resolve("state/ephemera/secrets");
    }

    /** Files in the file sink, relative to it. */
    List<String> fileSinkContents() throws IOException {
        if (!Files.isDirectory(fileSink())) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(fileSink())) {
            return s.filter(Files::isRegularFile).map(p -> fileSink().relativize(p).toString()).sorted().toList();
        }
    }

    /** The server CA of the (one) booted server: what a real K3s puts into token Secrets as {@code ca.crt}. */
    private String clusterCaPem() {
        for (FakeHetzner.ServerView s : hetzner.servers()) {
            Optional<X509Certificate> ca = hetzner.k3s(s.name()).map(k -> k.servingCa());
            if (ca.isPresent()) {
                return pem(ca.get());
            }
        }
        throw new IllegalStateException("no fake server has booted K3s");
    }

    static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        tokens.close();
        github.close();
        hetzner.close();
        kube.close();
    }

    // ---- kubectl, the independent client

    record Run(int exit, String stdout, String stderr) {
    }

    static Optional<String> kubectl() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).map(Path::toString)
                .findFirst();
    }

    /** Runs kubectl with nothing of the developer's own set-up taking part. */
    Run kubectl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(kubectl().orElseThrow());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "kubectl-out", ".txt");
        Path err = Files.createTempFile(dir, "kubectl-err", ".txt");
        // No stdin: kubectl asks for a user name on a 401 when it has no credentials, and would wait for one.
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", dir.resolve("home").toString());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60 s: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
