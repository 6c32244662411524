package dev.ephemera.testkit.docker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The stand-in K3s image, built on the real Docker engine with {@code docker import} under the
 * name a Docker backend runs (e.g. {@code rancher/k3s:v1.31.4-k3s1}): the host's Java 17 (its
 * libraries found with {@code ldd}, plus {@code /etc/java-17-openjdk}, which {@code conf/} links
 * into), this JVM's class path at the same paths, {@code /bin/k3s} running {@link StandInK3s},
 * {@code ctr} and {@code crictl} running {@link StandInCtr}, {@code /bin/kind-node} running the stand-in kind's node
 * ({@code dev.ephemera.testkit.kind.StandInKindNode}), and {@code sh} and {@code cat}. The
 * image is labelled {@value #LABEL}; {@link #close()} removes it, and puts the name back on the
 * image it pointed to before, if any — a developer's real K3s image is never lost.
 *
 * <p>Use it through {@link Engine}: one image per test JVM, built on first use, removed when
 * the JVM's tests are done; tests are skipped, saying why, only when no engine answers.
 */
public final class StandInK3sImage implements AutoCloseable {
    public static final String LABEL = "ephemera.dev/test-stand-in";
    private static final Duration TIMEOUT = new Duration(10, TimeUnit.MINUTES);

    private record Duration(long amount, TimeUnit unit) {
    }

    private final String name;
    private final String id;
    private final Optional<String> previous;

    private StandInK3sImage(String name, String id, Optional<String> previous) {
        this.name = name;
        this.id = id;
        this.previous = previous;
    }

    public String name() {
        return name;
    }

    public String id() {
        return id;
    }

    /** Why Docker cannot be used here, or empty when the CLI is on PATH and an engine answers. */
    public static Optional<String> engineUnavailable() {
        Optional<String> cli = Docker.cli();
        if (cli.isEmpty()) {
            return Optional.of("no docker CLI on PATH");
        }
        try {
            Docker.Result r = Docker.run(List.of("version", "--format", "{{.Server.Version}}"), null, 30);
            return r.exit() == 0 ? Optional.empty() : Optional.of("no Docker engine answers: " + r.err().strip());
        } catch (IOException e) {
            return Optional.of("docker version failed: " + e.getMessage());
        }
    }

    /** Builds the image under {@code name}. */
    public static StandInK3sImage build(String name) throws IOException {
        Optional<String> previous = Optional.empty();
        Docker.Result existing = Docker.run(List.of("image", "inspect", "--format", "{{.Id}} {{index .Config.Labels \"" + LABEL + "\"}}", name), null, 60);
        if (existing.exit() == 0) {
            String[] parts = existing.out().strip().split(" ", 2);
            if (parts.length < 2 || parts[1].isBlank() || parts[1].equals("<no value>")) {
                previous = Optional.of(parts[0]);
            }
        }
        Path staging = Files.createTempDirectory("stand-in-k3s");
        try {
            List<String> fromRoot = hostFiles();
            Path bin = Files.createDirectories(staging.resolve("bin"));
            Files.copy(Path.of(realPath("sh")), bin.resolve("sh"));
            Files.copy(Path.of(realPath("cat")), bin.resolve("cat"));
            Path tmp = Files.createDirectories(staging.resolve("tmp"));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = classPath();
            String jvm = "exec " + java + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -cp '" + cp + "' ";
            script(bin.resolve("k3s"), jvm + StandInK3s.class.getName() + " \"$@\"");
            script(bin.resolve("ctr"), jvm + StandInCtr.class.getName() + " ctr \"$@\"");
            script(bin.resolve("crictl"), jvm + StandInCtr.class.getName() + " crictl \"$@\"");
            // The node of the stand-in kind (testkit.kind), which runs the same image with this entrypoint.
            script(bin.resolve("kind-node"), jvm + "dev.ephemera.testkit.kind.StandInKindNode \"$@\"");
            String jdk = Path.of(System.getProperty("java.home")).toString().substring(1);
            List<String> tar = new ArrayList<>(List.of("tar", "-c", "-f", "-", "-h", "--numeric-owner", "--owner=0", "--group=0",
                    "--exclude=" + jdk + "/jmods", "--exclude=" + jdk + "/lib/src.zip", "--exclude=" + jdk + "/man",
                    "--exclude=" + jdk + "/include", "--exclude=" + jdk + "/demo", "-C", "/"));
            tar.addAll(fromRoot);
            tar.addAll(List.of("-C", staging.toString(), "bin", "tmp"));
            List<String> importCmd = new ArrayList<>(List.of(Docker.cli().orElseThrow(), "import",
                    "--change", "ENTRYPOINT [\"/bin/k3s\"]", "--change", "CMD [\"agent\"]",
                    "--change", "VOLUME /var/lib/kubelet /var/lib/rancher/k3s /var/lib/cni /var/log",
                    "--change", "ENV PATH=/bin", "--change", "LABEL " + LABEL + "=stand-in-k3s", "-", name));
            Path err = staging.resolve("import.err");
            List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                    new ProcessBuilder(tar).redirectError(staging.resolve("tar.err").toFile()),
                    new ProcessBuilder(importCmd).redirectError(err.toFile())));
            Process last = pipeline.get(1);
            String out = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!last.waitFor(TIMEOUT.amount(), TIMEOUT.unit()) || last.exitValue() != 0) {
                last.destroyForcibly();
                throw new IOException("docker import of the stand-in K3s image failed: " + Files.readString(err) + " / tar: "
                        + Files.readString(staging.resolve("tar.err")));
            }
            pipeline.get(0).waitFor(60, TimeUnit.SECONDS);
            return new StandInK3sImage(name, out, previous);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the stand-in image", e);
        } finally {
            try (Stream<Path> s = Files.walk(staging)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Paths relative to {@code /}: the JDK, its {@code /etc} tree, every library it links, the class path. */
    private static List<String> hostFiles() throws IOException {
        Path home = Path.of(System.getProperty("java.home"));
        Set<String> files = new LinkedHashSet<>();
        files.add(home.toString());
        String feature = Integer.toString(Runtime.version().feature());
        Path etc = Path.of("/etc/java-" + feature + "-openjdk");
        if (Files.isDirectory(etc)) {
            files.add(etc.toString());
        }
        if (Files.exists(Path.of("/etc/ssl/certs/java/cacerts"))) {
            files.add("/etc/ssl/certs/java/cacerts");
        }
        List<String> binaries = new ArrayList<>(List.of(home.resolve("bin/java").toString(), realPath("sh"), realPath("cat")));
        try (Stream<Path> s = Files.walk(home.resolve("lib"))) {
            s.filter(p -> p.toString().endsWith(".so")).forEach(p -> binaries.add(p.toString()));
        }
        Pattern lib = Pattern.compile("(/\\S+\\.so[.0-9]*)");
        for (String b : binaries) {
            Docker.Result r = Docker.exec(List.of("ldd", b), 30);
            for (String line : r.out().split("\n")) {
                Matcher m = lib.matcher(line);
                if (m.find() && !m.group(1).startsWith(home.toString())) {
                    files.add(m.group(1));
                }
            }
        }
        for (String entry : classPath().split(File.pathSeparator)) {
            if (!entry.isBlank() && Files.exists(Path.of(entry))) {
                files.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return files.stream().map(f -> f.substring(1)).toList();
    }

    /** The test class path: surefire's own property when it runs tests through a manifest-only jar. */
    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static String realPath(String command) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p.toRealPath().toString();
            }
        }
        throw new IOException(command + " is not on PATH; the stand-in image needs it");
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Removes the image and gives its name back to the image it pointed to before. */
    @Override
    public void close() throws IOException {
        Docker.Result rm = Docker.run(List.of("rmi", id), null, 120);
        if (previous.isPresent()) {
            Docker.run(List.of("tag", previous.get(), name), null, 60);
        }
        if (rm.exit() != 0 && !rm.err().contains("No such image")) {
            throw new IOException("could not remove the stand-in image " + name + " (" + id + "): " + rm.err());
        }
    }

    /**
     * One stand-in image per test JVM, as a parameter of any test or lifecycle method: built on first
     * use, removed after the last test of the JVM. Without a Docker engine the test class is disabled
     * with the reason ({@code skipped: no Docker engine answers: …}), which the build log shows for the
     * class and each of its tests, instead of the class vanishing from the report as "0 tests".
     */
    public static final class Engine implements ParameterResolver, ExecutionCondition {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Engine.class);
        /** Asked once per JVM: {@code docker version} is a process start, and the answer does not change while tests run. */
        private static volatile Optional<String> unavailable;

        private static Optional<String> why() {
            Optional<String> w = unavailable;
            if (w == null) {
                synchronized (Engine.class) {
                    if (unavailable == null) {
                        unavailable = engineUnavailable();
                    }
                    w = unavailable;
                }
            }
            return w;
        }

        /**
         * The class is disabled here, before any {@code @BeforeAll} asks for the image: an assumption
         * that fails while a parameter is resolved is reported by JUnit as an error, and one that fails
         * in a class-level callback leaves the class out of surefire's counts without its reason.
         */
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext c) {
            Optional<String> why = why();
            if (why.isEmpty()) {
                return ConditionEvaluationResult.enabled("a Docker engine answers");
            }
            String reason = "skipped: " + why.get() + " (these tests run on a real Docker engine; .ci/run starts one)";
            if (c.getTestMethod().isEmpty()) {
                System.err.println("[SKIPPED] " + c.getDisplayName() + ": " + reason);
            }
            return ConditionEvaluationResult.disabled(reason);
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == StandInK3sImage.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            Optional<String> why = why();
            Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
            return c.getRoot().getStore(NS).getOrComputeIfAbsent("image", k -> {
                try {
                    return build(System.getProperty("ephemera.test.k3s-image", "rancher/k3s:v1.31.4-k3s1"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, StandInK3sImage.class);
        }
    }
}
