package dev.ephemera.cli.e2e;

import dev.ephemera.application.Reconciler;
import dev.ephemera.cli.EphemeraCli;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A test launcher of the real CLI that dies (exit 137, no cleanup, like {@code kill -9}) right after
 * the reconciler's N-th saved step, N given as the first argument. It lives in the tests only: the
 * shipped CLI has no way to install such a hook. {@link CrashSafetyIT} runs it as its own process
 * with the distribution's {@code lib/} on the class path.
 */
public final class HaltingCli {
    private HaltingCli() {
    }

    public static void main(String[] args) {
        int limit = Integer.parseInt(args[0]);
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int[] saves = {0};
        Reconciler.StepHook halt = saved -> {
            if (++saves[0] == limit) {
                err.println("halting after save " + limit + " (" + saved.phase().displayName() + ")");
                err.flush();
                Runtime.getRuntime().halt(137);
            }
        };
        Optional<Path> home = Optional.ofNullable(System.getProperty("ephemera.home")).map(Path::of);
        int code = EphemeraCli.run(rest, out, err, System.getenv(), home, false, halt);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
