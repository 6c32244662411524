package dev.ephemera.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The training run of the class-data archive ({@code lib/ephemera.jsa}) and, on Java 25 or newer,
 * the AOT cache: runs every CLI verb once in this JVM, on a scratch state, so the archive holds
 * what each of them loads (not only {@code version}'s classes). Started by {@code bin/ephemera-train}
 * at build time with {@code -XX:ArchiveClassesAtExit} / {@code -XX:AOTCacheOutput}; never by users'
 * commands. Verbs that need a cloud, a cluster or a Docker engine run as far as they get without one
 * (their failures are expected and their exit codes ignored); nothing leaves the scratch directory.
 *
 * <p>Usage: {@code StartupTraining SCRATCH_DIR [--aot]}. With {@code --aot} (the AOT cache's run) the verbs that
 * use BouncyCastle ({@code pki issue}, {@code kubeconfig render}) are left out: its jars are signed, so their
 * classes cannot be cached, and a cache that links against them makes every start load and verify them. The caller points {@code HOME}, {@code XDG_*} and the
 * working directory at the scratch directory too, because adapters read the process environment.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path scratch = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(scratch);
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("EPHEMERA_")) {
                env.put(k, v);
            }
        });
        env.put("HOME", scratch.resolve("home").toString());
        env.put("XDG_STATE_HOME", scratch.resolve("state").toString());
        env.put("XDG_CONFIG_HOME", scratch.resolve("config").toString());
        env.put("PWD", scratch.toString());
        env.put("EPHEMERA_SQLITE_PATH", scratch.resolve("state/ephemera.db").toString());
        Optional<Path> home = Optional.ofNullable(System.getProperty("ephemera.home")).map(Path::of);
        Map<String, Integer> codes = new LinkedHashMap<>();

        Path pki = scratch.resolve("pki");
        Path token = scratch.resolve("token");
        Files.writeString(token, "training-token\n");
        List<List<String>> lines = new ArrayList<>(List.of(
                List.of("version"), List.of("version", "-o", "json"), List.of("version", "-o", "yaml"),
                List.of("backends"),
                List.of("pool", "create", "training", "--range", "10.255.0.1-10.255.0.9"),
                List.of("pool", "allocate", "holder-1", "--pool", "training"),
                List.of("pool", "allocate", "holder-2", "--pool", "training", "--ttl", "1h", "-o", "json"),
                List.of("pool", "list", "--pool", "training"),
                List.of("pool", "capacity", "--pool", "training"),
                List.of("pool", "release", "holder-2", "--pool", "training"),
                List.of("pool", "resize", "training", "--range", "10.255.0.1-10.255.0.19"),
                List.of("pool", "delete", "training", "--force"),
                List.of("pool", "allocate", "holder-1", "--pool", "absent"),
                List.of("cluster", "list"), List.of("cluster", "list", "-o", "json"),
                List.of("cluster", "get", "absent"),
                List.of("cluster", "kubeconfig", "absent"),
                List.of("cluster", "delete", "absent"),
                List.of("cluster", "reap"),
                List.of("pki", "issue", "--cluster", "training", "--san", "127.0.0.1,training.local", "--out", pki.toString()),
                List.of("kubeconfig", "render", "--server", "https://127.0.0.1:6443", "--ca", pki.resolve("ca.crt").toString(),
                        "--token-file", token.toString()),
                List.of("no-such-command"),
                List.of("help"), List.of("help", "pool"), List.of("--help"),
                List.of("generate-completion")));
        // Every command's --help, walked from the whole tree as `ephemera help` sees it.
        walk(EphemeraCli.commandLine(sink(), sink(), env, home, false), new ArrayList<>(), lines);

        for (List<String> line : lines) {
            int code;
            try {
                code = EphemeraCli.run(line.toArray(String[]::new), sink(), sink(), env, home, false);
            } catch (RuntimeException e) {
                code = -1;
            }
            codes.put(String.join(" ", line), code);
        }
        System.out.println("training: ran " + codes.size() + " command lines; exit codes: " + codes.values().stream()
                .collect(java.util.stream.Collectors.groupingBy(c -> c, java.util.TreeMap::new, java.util.stream.Collectors.counting())));
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
        List<String> help = new ArrayList<>(path);
        help.add("--help");
        out.add(help);
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                walk(sub, next, out);
            }
        });
    }

    private static PrintWriter sink() {
        return new PrintWriter(new StringWriter());
    }
}
