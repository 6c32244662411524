package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the packaged CLI starts (issue 20), checked structurally, never by timing: what a verb
 * loads, and that processes started at once share sqlite-jdbc's native library without errors.
 */
class CliStartIT {
    /** Packages `pool allocate` on SQLite has no use for: other adapters' libraries, YAML, the server. */
    static final List<String> NOT_FOR_A_SQLITE_POOL_VERB = List.of(
            "io.fabric8.", "io.vertx.", "io.netty.", "com.github.dockerjava.", "org.bouncycastle.", "io.jsonwebtoken.",
            "com.goterl.", "com.sun.jna.", "io.micrometer.", "io.prometheus.", "org.yaml.snakeyaml.", "org.snakeyaml.",
            "com.fasterxml.jackson.dataformat.yaml.", "tools.jackson.", "dev.ephemera.server.");

    /** `version` needs none of the machinery: no Guice, no Jackson, no SQLite, no configuration. */
    static final List<String> NOT_FOR_VERSION = List.of(
            "com.google.inject.", "com.google.common.", "com.fasterxml.jackson.", "org.sqlite.", "dev.ephemera.bootstrap.",
            "dev.ephemera.adapters.");

    @TempDir
    Path dir;

    private static Path distribution() {
        Path d = Path.of(System.getProperty("ephemera.distribution", "target/ephemera"));
        assumeTrue(Files.isExecutable(d.resolve("bin/ephemera")), "the distribution is built by `package`; run with mvn verify");
        return d;
    }

    record Result(int code, String out, String err) {
    }

    private static Result finish(Process p) throws Exception {
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("process finished").isTrue();
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A fresh JVM without any start-up archive (so the log lists every class the verb itself loads). */
    private Set<String> classesLoadedBy(String... args) throws Exception {
        Path lib = distribution().resolve("lib");
        Path log = dir.resolve("classes-" + args[0] + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Dguice_bytecode_gen_option=DISABLED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Xlog:class+load=info:file=" + log,
                "-cp", lib + "/*", "dev.ephemera.cli.EphemeraCli"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        environment(pb.environment(), dir.resolve("home"), dir.resolve("state"));
        Result r = finish(pb.start());
        assertThat(r.code()).as(r.err()).isZero();
        Set<String> names = new HashSet<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.forEach(l -> {
                int at = l.indexOf("] ", l.indexOf("class,load"));
                if (at > 0) {
                    String rest = l.substring(at + 2);
                    names.add(rest.contains(" ") ? rest.substring(0, rest.indexOf(' ')) : rest);
                }
            });
        }
        assertThat(names).as("the class-load log of %s", String.join(" ", args)).contains("dev.ephemera.cli.EphemeraCli");
        return names;
    }

    private static void environment(Map<String, String> env, Path home, Path state) {
        env.keySet().removeIf(k -> k.startsWith("EPHEMERA_") || k.startsWith("XDG_"));
        env.put("HOME", home.toString());
        env.put("XDG_STATE_HOME", state.toString());
    }

    @Test
    @DisplayName("`pool allocate` on SQLite, in a fresh JVM, loads no class of Kubernetes, Vert.x, Netty, docker-java, BouncyCastle, YAML or the server")
    void poolAllocateLoadsOnlyWhatItNeeds() throws Exception {
        Set<String> loaded = classesLoadedBy("pool", "create", "lab", "--range", "10.0.0.1-10.0.0.9");
        loaded.addAll(classesLoadedBy("pool", "allocate", "pr-1", "--pool", "lab"));
        assertThat(loaded).as("the verb did its work").contains("org.sqlite.JDBC");
        for (String pkg : NOT_FOR_A_SQLITE_POOL_VERB) {
            assertThat(loaded.stream().filter(c -> c.startsWith(pkg)).sorted().limit(5).toList()).as("classes of %s", pkg).isEmpty();
        }
    }

    @Test
    @DisplayName("`version -o json` loads no Guice, Jackson, SQLite, bootstrap or adapter class, and only the version command's model")
    void versionLoadsOnlyPicocli() throws Exception {
        Set<String> loaded = classesLoadedBy("version", "-o", "json");
        for (String pkg : NOT_FOR_VERSION) {
            if (!pkg.equals("com.fasterxml.jackson.")) { // -o json renders with Jackson
                assertThat(loaded.stream().filter(c -> c.startsWith(pkg)).sorted().limit(5).toList()).as("classes of %s", pkg).isEmpty();
            }
        }
        assertThat(loaded).as("only the version command's model is built").contains("dev.ephemera.cli.VersionCommand")
                .doesNotContain("dev.ephemera.cli.ClusterCommand$Create", "dev.ephemera.cli.PoolCommand$Allocate", "dev.ephemera.cli.PkiCommand$Issue");
    }

    @Test
    @DisplayName("a bare `version` builds no command model: none of the machinery's packages, no picocli.CommandLine or its model")
    void bareVersionLoadsNoCommandModel() throws Exception {
        Set<String> loaded = classesLoadedBy("version");
        for (String pkg : NOT_FOR_VERSION) {
            assertThat(loaded.stream().filter(c -> c.startsWith(pkg)).sorted().limit(5).toList()).as("classes of %s", pkg).isEmpty();
        }
        // (Verifying EphemeraCli may load a picocli exception class or two; the command line and its model are what cost.)
        assertThat(loaded.stream().filter(c -> c.equals("picocli.CommandLine") || c.startsWith("picocli.CommandLine$Model")
                || c.startsWith("dev.ephemera.cli.") && c.endsWith("Command") && !c.equals("dev.ephemera.cli.VersionCommand")
                && !c.equals("dev.ephemera.cli.BaseCommand")).sorted().limit(5).toList()).as("command model classes").isEmpty();
    }

    @Test
    @DisplayName("8 CLI processes started at once on a fresh home extract sqlite-jdbc's native library once, print nothing on stderr and exit 0")
    void concurrentFirstStartsShareTheNativeLibrary() throws Exception {
        Path home = dir.resolve("home");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        // Round 1: a fresh cache, each process with its own state (so nothing but the native library is shared).
        List<Process> first = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            first.add(launch(home, dir.resolve("state-" + i), tmp, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.20"));
        }
        for (Process p : first) {
            check(finish(p));
        }
        // Round 2: 8 allocations at once on one state: distinct addresses, still clean.
        Set<String> addresses = new HashSet<>();
        List<Process> second = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            second.add(launch(home, dir.resolve("state-0"), tmp, "pool", "allocate", "pr-" + i, "--pool", "lab"));
        }
        for (Process p : second) {
            addresses.add(check(finish(p)).out().strip());
        }
        assertThat(addresses).hasSize(8);
        try (Stream<Path> files = Files.walk(home.resolve(".cache/ephemera/native"))) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList())
                    .as("one library in the cache, no leftover temporary file").containsExactly(System.mapLibraryName("sqlitejdbc"));
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sqlite-")).toList())
                    .as("nothing extracted into java.io.tmpdir").isEmpty();
        }
    }

    private Process launch(Path home, Path state, Path tmp, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(distribution().resolve("bin/ephemera").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        environment(pb.environment(), home, state);
        pb.environment().put("JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
        return pb.start();
    }

    private static Result check(Result r) {
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).as("stderr").doesNotContain("Failed to delete old native lib").doesNotContain("Exception").doesNotContain("\tat ")
                .isBlank();
        return r;
    }
}
