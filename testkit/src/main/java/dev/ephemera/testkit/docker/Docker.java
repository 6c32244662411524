package dev.ephemera.testkit.docker;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The {@code docker} CLI for tests: argument arrays, bounded waits, output captured. */
public final class Docker {
    public record Result(int exit, String out, String err) {
    }

    private Docker() {
    }

    public static Optional<String> cli() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, "docker")).filter(Files::isExecutable).map(Path::toString).findFirst();
    }

    /** {@code docker ARGS…}, with {@code stdin} fed to it if given. */
    public static Result run(List<String> args, InputStream stdin, int timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(cli().orElseThrow(() -> new IOException("no docker CLI on PATH")));
        cmd.addAll(args);
        return run(cmd, stdin, timeoutSeconds, true);
    }

    /** Any command, e.g. {@code ldd}. */
    public static Result exec(List<String> cmd, int timeoutSeconds) throws IOException {
        return run(cmd, null, timeoutSeconds, true);
    }

    private static Result run(List<String> cmd, InputStream stdin, int timeoutSeconds, boolean captured) throws IOException {
        Path out = Files.createTempFile("docker-out", ".txt");
        Path err = Files.createTempFile("docker-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var to = p.getOutputStream()) {
                    stdin.transferTo(to);
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** IDs of containers, networks or volumes carrying every label given as {@code key=value}. */
    public static List<String> labelled(String kind, String... labels) throws IOException {
        List<String> args = new ArrayList<>();
        switch (kind) {
            case "container" -> args.addAll(List.of("ps", "-a", "-q"));
            case "network" -> args.addAll(List.of("network", "ls", "-q"));
            case "volume" -> args.addAll(List.of("volume", "ls", "-q"));
            default -> throw new IllegalArgumentException(kind);
        }
        for (String l : labels) {
            args.add("--filter");
            args.add("label=" + l);
        }
        Result r = run(args, null, 60);
        if (r.exit() != 0) {
            throw new IOException("docker " + String.join(" ", args) + ": " + r.err());
        }
        return r.out().lines().filter(s -> !s.isBlank()).toList();
    }

    /** Removes every container, network and volume carrying the labels: what a test made, found by label. */
    public static void removeLabelled(String... labels) throws IOException {
        for (String c : labelled("container", labels)) {
            run(List.of("rm", "-f", "-v", c), null, 120);
        }
        for (String n : labelled("network", labels)) {
            run(List.of("network", "rm", n), null, 60);
        }
        for (String v : labelled("volume", labels)) {
            run(List.of("volume", "rm", "-f", v), null, 60);
        }
    }
}
