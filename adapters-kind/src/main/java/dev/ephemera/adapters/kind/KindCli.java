package dev.ephemera.adapters.kind;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The user's {@code kind} CLI, run with argument arrays (never a shell), bounded in time, its output captured. */
final class KindCli {
    record Result(int exit, String out, String err) {
        String tail() {
            String t = (err + "\n" + out).strip();
            return t.length() > 3000 ? "…" + t.substring(t.length() - 3000) : t.isEmpty() ? "(no output)" : t;
        }
    }

    private final Path binary;
    private final Map<String, String> env;

    private KindCli(Path binary, Map<String, String> env) {
        this.binary = binary;
        this.env = Map.copyOf(env);
    }

    /**
     * Finds the binary: a path is taken as it is, a bare name is looked up on {@code PATH}.
     *
     * @throws EphemeraException CONFIGURATION (exit 10) naming the binary when it is not there
     */
    static KindCli find(String binary, String dockerHost, Map<String, String> environment) {
        Optional<Path> found;
        if (binary.contains(File.separator)) {
            found = Optional.of(Path.of(binary)).filter(Files::isExecutable);
        } else {
            String path = environment.getOrDefault("PATH", "");
            found = Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isBlank()).map(d -> Path.of(d, binary))
                    .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
        }
        if (found.isEmpty()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "the kind backend runs the kind CLI, and '" + binary + "' is "
                    + (binary.contains(File.separator) ? "not an executable file" : "not on PATH") + " (kind.binary): install kind "
                    + "(https://kind.sigs.k8s.io/docs/user/quick-start/#installation), set kind.binary to its path, or choose another "
                    + "backend (--backend docker)");
        }
        // kind talks to the engine named by DOCKER_HOST, like the docker CLI: point it at the same engine Ephemera watches.
        return new KindCli(found.get(), Map.of("DOCKER_HOST", dockerHost));
    }

    Path binary() {
        return binary;
    }

    Result run(List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot run " + binary + " (kind.binary): " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw EphemeraException.timeout("kind " + String.join(" ", args) + " did not finish within " + timeout
                        + "; the next step looks at what it made");
            }
            return new Result(p.exitValue(), out.get(30, TimeUnit.SECONDS), err.get(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while running kind " + String.join(" ", args));
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw EphemeraException.backend("reading the output of kind " + String.join(" ", args) + ": " + e.getMessage(), e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }
}
