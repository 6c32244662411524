package dev.ephemera.cli;

import dev.ephemera.application.Reconciler;
import dev.ephemera.domain.error.EphemeraException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * Guice reports a provider's exception through java.util.logging at INFO, with a stack trace,
     * before it is rethrown: the CLI prints it as one error line instead (EPHEMERA_DEBUG=1 keeps it).
     */
    static void quietLibraryLogging(Map<String, String> env) {
        GUICE_LOG.setLevel(env.containsKey("EPHEMERA_DEBUG") ? null : java.util.logging.Level.WARNING);
    }

    /** Held so the level set on it is not lost when java.util.logging drops an unreferenced logger. */
    private static final java.util.logging.Logger GUICE_LOG = java.util.logging.Logger.getLogger("com.google.inject");

    /** Runs one command line; returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return run(args, out, err, env, Optional.empty(), false);
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home,
                          boolean terminal) {
        return run(args, out, err, env, home, terminal, Reconciler.StepHook.NONE);
    }

    /**
     * Runs one command line with a hook called after each step the reconciler saves. Only code that
     * embeds the CLI can pass one (the crash-safety tests' launcher does); the shipped {@link #main}
     * never does, and no environment variable installs one.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home,
                          boolean terminal, Reconciler.StepHook stepHook) {
        quietLibraryLogging(env);
        return commandLine(out, err, env, home, terminal, stepHook, onlyCommandNamed(args)).execute(args);
    }

    /**
     * The one top-level command a line runs, when its first word names one that works on its own;
     * empty (so the whole tree is built) for no word, an option, an unknown name, {@code help} and
     * {@code generate-completion}, which need every command. Reads only the {@code @Command}
     * annotations, not picocli's model.
     */
    static Optional<Class<?>> onlyCommandNamed(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            return Optional.empty();
        }
        for (Class<?> c : EphemeraCommand.SUBCOMMANDS) {
            if (c == picocli.CommandLine.HelpCommand.class || c == picocli.AutoComplete.GenerateCompletion.class) {
                continue;
            }
            CommandLine.Command a = c.getAnnotation(CommandLine.Command.class);
            if (a.name().equals(args[0]) || java.util.Arrays.asList(a.aliases()).contains(args[0])) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home, boolean terminal) {
        return commandLine(out, err, env, home, terminal, Reconciler.StepHook.NONE);
    }

    /** The whole command tree (help, completion, tests that walk it). */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home, boolean terminal,
                                   Reconciler.StepHook stepHook) {
        return commandLine(out, err, env, home, terminal, stepHook, Optional.empty());
    }

    /** The root with only {@code only}'s subtree under it when given, else with every command. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home, boolean terminal,
                                   Reconciler.StepHook stepHook, Optional<Class<?>> only) {
        CommandLine cl = new CommandLine(new EphemeraCommand(env, home, terminal, stepHook));
        for (Class<?> c : only.<List<Class<?>>>map(List::of).orElse(EphemeraCommand.SUBCOMMANDS)) {
            cl.addSubcommand(c);
        }
        addHelpOption(cl);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            PrintWriter e = line.getErr();
            Throwable t = unwrap(ex);
            if (t instanceof EphemeraException ee) {
                e.println("error: " + message(ee));
                e.flush();
                return ExitCodes.of(ee.code());
            }
            e.println("error: unexpected " + t.getClass().getSimpleName() + ": " + message(t));
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
            e.println("error: " + message(ex));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, e)) {
                e.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            }
            e.flush();
            return ExitCodes.INVALID_INPUT;
        });
        return cl;
    }

    /**
     * Gives every command and subcommand {@code -h/--help}, including those that only group others
     * and those with required parameters (picocli skips required checks when help is asked for).
     */
    static void addHelpOption(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null && spec.findOption("-h") == null) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        cl.getSubcommands().values().forEach(EphemeraCli::addHelpOption);
    }

    /** An error message without a leading "Error:" of its own, so the line reads "error: ...", once. */
    static String message(Throwable t) {
        String m = String.valueOf(t.getMessage()).strip();
        while (m.regionMatches(true, 0, "error:", 0, 6)) {
            m = m.substring(6).strip();
        }
        return m;
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
