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
        if (isBareVersion(args)) {
            printVersion(out);
            return;
        }
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        Optional<Path> home = Optional.ofNullable(System.getProperty("ephemera.home")).map(Path::of);
        int code = run(args, out, err, System.getenv(), home, System.console() != null);
        out.flush();
        err.flush();
        if (code == 0 && onlyDaemonThreadsLeft()) {
            // The JVM ends with status 0 when main returns, and runs the shutdown hooks as System.exit would. Since
            // Java 21 Runtime.exit first asks for a System.Logger ("java.lang.Runtime"), and finding the logging back
            // end opens every jar of the distribution: half of `ephemera version` (docs/benchmarks/cli-start.md).
            return;
        }
        System.exit(code);
    }

    /** {@code ephemera version} without options. */
    private static boolean isBareVersion(String[] args) {
        return args.length == 1 && args[0].equals("version");
    }

    /**
     * A bare {@code ephemera version} is answered without picocli's command model (or the
     * environment, the console, the configuration), which would be most of its run: the same text
     * as the {@code version} command prints ({@code LazyCommandTreeTest} compares the two).
     */
    private static int printVersion(PrintWriter out) {
        VersionCommand.printText(VersionCommand.info(), out);
        return ExitCodes.OK;
    }

    /** Whether every thread but this one is a daemon, so returning from main ends the JVM at once. */
    static boolean onlyDaemonThreadsLeft() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            if (threads[i] != Thread.currentThread() && threads[i].isAlive() && !threads[i].isDaemon()) {
                return false;
            }
        }
        return n < threads.length;
    }

    /**
     * picocli's default factory first looks for {@code groovy.lang.Closure}; that class is not
     * there, and looking for a class that is not there makes the class loader open every jar of the
     * distribution: about 170 ms of CPU, more than half of {@code ephemera version}
     * (docs/benchmarks/cli-start.md). picocli's own switch turns the lookup off; Ephemera has no
     * Groovy commands. A value the caller set (-D) is kept.
     */
    static void withoutGroovyLookup() {
        if (System.getProperty(NO_CLOSURES) == null) {
            System.setProperty(NO_CLOSURES, "true");
        }
    }

    static final String NO_CLOSURES = "picocli.disable.closures";

    /**
     * Guice reports a provider's exception through java.util.logging at INFO, with a stack trace,
     * before it is rethrown: the CLI prints it as one error line instead (EPHEMERA_DEBUG=1 keeps it).
     * Called only before Guice is first used ({@link CliContext#ephemera()}): starting
     * java.util.logging looks for a logging back end in every jar on the class path, which costs a
     * verb like {@code version} more than the rest of its run.
     */
    static synchronized void quietLibraryLogging(Map<String, String> env) {
        if (guiceLog == null) {
            guiceLog = java.util.logging.Logger.getLogger("com.google.inject");
        }
        guiceLog.setLevel(env.containsKey("EPHEMERA_DEBUG") ? null : java.util.logging.Level.WARNING);
    }

    /** Held so the level set on it is not lost when java.util.logging drops an unreferenced logger. */
    private static java.util.logging.Logger guiceLog;

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
        if (isBareVersion(args)) {
            return printVersion(out);
        }
        withoutGroovyLookup();
        return commandLine(out, err, env, home, terminal, stepHook, onlyCommandNamed(args), onlyVerbNamed(args)).execute(args);
    }

    /**
     * The one verb of a command group ({@link EphemeraCommand#GROUPS}: {@code pool allocate},
     * {@code cluster get}, …) a line runs, by name or alias; empty (so the group gets all its verbs)
     * for any other line, e.g. {@code pool}, {@code pool --help} or a misspelt verb, whose
     * suggestions need them all.
     */
    static Optional<Class<?>> onlyVerbNamed(String[] args) {
        Optional<Class<?>> group = onlyCommandNamed(args);
        Map<String, Class<?>> verbs = group.isEmpty() || args.length < 2 ? null : EphemeraCommand.verbsOf(group.get());
        return verbs == null ? Optional.empty() : Optional.ofNullable(verbs.get(args[1]));
    }

    /**
     * The one top-level command a line runs, when its first word names one that works on its own;
     * empty (so the whole tree is built) for no word, an option, an unknown name, {@code help} and
     * {@code generate-completion}, which need every command. Reads no annotation and no picocli
     * model: the names are {@link EphemeraCommand#SUBCOMMANDS}' keys.
     */
    static Optional<Class<?>> onlyCommandNamed(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            return Optional.empty();
        }
        Class<?> c = EphemeraCommand.SUBCOMMANDS.get(args[0]);
        if (c == null || c == picocli.CommandLine.HelpCommand.class || c == picocli.AutoComplete.GenerateCompletion.class) {
            return Optional.empty();
        }
        return Optional.of(c);
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
        return commandLine(out, err, env, home, terminal, stepHook, only, Optional.empty());
    }

    /**
     * The root with only {@code only}'s subtree under it when given, else with every command; a
     * group ({@link EphemeraCommand#GROUPS}) with only {@code onlyVerb} when given, else all its verbs.
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env, Optional<Path> home, boolean terminal,
                                   Reconciler.StepHook stepHook, Optional<Class<?>> only, Optional<Class<?>> onlyVerb) {
        CommandLine cl = new CommandLine(new EphemeraCommand(env, home, terminal, stepHook));
        for (Class<?> c : only.<java.util.Collection<Class<?>>>map(List::of).orElse(EphemeraCommand.SUBCOMMANDS.values())) {
            Map<String, Class<?>> verbs = EphemeraCommand.verbsOf(c);
            if (verbs == null) {
                cl.addSubcommand(c);
                continue;
            }
            CommandLine group = new CommandLine(c);
            // A verb with an alias is in the map under each name; picocli registers it once, under its own.
            for (Class<?> v : onlyVerb.<java.util.Collection<Class<?>>>map(List::of).orElse(new java.util.LinkedHashSet<>(verbs.values()))) {
                group.addSubcommand(v);
            }
            cl.addSubcommand(group);
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
