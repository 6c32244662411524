package dev.ephemera.cli;

import dev.ephemera.domain.error.EphemeraException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Entry point of the {@code ephemera} command. {@link #run} builds the command line with the
 * given streams and environment, so tests run it in-process and never call {@code System.exit}.
 */
public final class EphemeraCli {
    private EphemeraCli() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        Optional<Path> home = Optional.ofNullable(System.getProperty("ephemera.home")).map(Path::of);
        int code = run(args, out, err, System.getenv(), home, System.console() != null);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line; returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return run(args, out, err, env, Optional.empty(), false);
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home,
                          boolean terminal) {
        return commandLine(out, err, env, home, terminal).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home, boolean terminal) {
        CommandLine cl = new CommandLine(new EphemeraCommand(env, home, terminal));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            PrintWriter e = line.getErr();
            Throwable t = unwrap(ex);
            if (t instanceof EphemeraException ee) {
                e.println("error: " + ee.getMessage());
                e.flush();
                return ExitCodes.of(ee.code());
            }
            e.println("error: unexpected " + t.getClass().getSimpleName() + ": " + t.getMessage());
            if (env.containsKey("EPHEMERA_DEBUG")) {
                t.printStackTrace(e);
            } else {
                e.println("(set EPHEMERA_DEBUG=1 for the stack trace)");
            }
            e.flush();
            return ExitCodes.FAILED;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("error: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, e)) {
                e.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            }
            e.flush();
            return ExitCodes.INVALID_INPUT;
        });
        return cl;
    }

    /** Guice wraps what a provider threw; show the user the real cause. */
    private static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        for (int i = 0; i < 10 && cur.getCause() != null && !(cur instanceof EphemeraException); i++) {
            cur = cur.getCause();
        }
        return cur instanceof EphemeraException ? cur : t;
    }
}
