package dev.ephemera.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine.Command;

/** The top command, {@code ephemera}; it only groups the subcommands. */
@Command(name = "ephemera",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Short-lived Kubernetes clusters per pull request: provision, lease IPs, issue credentials, verify canaries, report.",
            "Options such as --config and --output go after the subcommand: ephemera pool list --pool lab --output json"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success",
            " 1:a check failed (e.g. a verification's test failed), or an unexpected error",
            " 2:invalid input (bad flag, name, range, address, file)",
            " 3:not found (no such pool, cluster, spec)",
            " 4:conflict (exists already, changed by someone else)",
            " 5:pool exhausted (no free address)",
            " 6:timeout (a wait ran out)",
            " 7:unavailable (a store or API could not be reached, or rate limited; retry later)",
            " 8:backend error (the cloud or API refused in a way retrying will not fix)",
            " 9:authentication or permission denied",
            "10:configuration error (ephemera.yaml, environment, missing setting)",
            "11:limit exceeded (concurrent clusters, quota)"},
        // No `subcommands` here: they are listed in SUBCOMMANDS below and registered by EphemeraCli,
        // all of them for help, completion and unknown names, only the one that runs otherwise.
        subcommands = {})
public final class EphemeraCommand implements Runnable {
    /**
     * The top-level commands by name, in the order {@code ephemera --help} lists them. Add a new
     * command here (not in the annotation), under the name its {@code @Command} gives it
     * ({@code LazyCommandTreeTest} checks they agree): {@link EphemeraCli} builds picocli's model of
     * only the command a line names, found here without reading any annotation (a short verb then
     * never reflects over the other commands), and of all of them for {@code ephemera},
     * {@code --help}, {@code help}, {@code generate-completion} and unknown names.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = named(
            "version", VersionCommand.class,
            "backends", BackendsCommand.class,
            "pool", PoolCommand.class,
            "warm-pool", WarmPoolCommand.class,
            "cluster", ClusterCommand.class,
            "pki", PkiCommand.class,
            "kubeconfig", KubeconfigCommand.class,
            "server", ServerCommand.class,
            "secret", SecretCommand.class,
            "github", GitHubCommand.class,
            "verify", VerifyCommand.class,
            "report", ReportCommand.class,
            "generate-completion", GenerateCompletion.class,
            "help", picocli.CommandLine.HelpCommand.class);

    /**
     * The commands whose verbs are registered like the top-level commands: all of them, or only the
     * one a line names ({@code pool allocate} builds no model of {@code pool create}, …; a third of
     * picocli's work for a pool verb). Their {@code @Command} lists no {@code subcommands};
     * {@code LazyCommandTreeTest} checks each verb's names against its annotation and its model
     * built alone against the whole tree's.
     */
    static final java.util.List<Class<?>> GROUPS = java.util.List.of(PoolCommand.class, ClusterCommand.class, WarmPoolCommand.class);

    /**
     * A group's verbs by name and alias, or null for a command that is not in {@link #GROUPS}.
     * Only the group asked for is initialised (its {@code VERBS} load its verb classes), so
     * {@code version} loads no verb of {@code pool} (CliStartIT).
     */
    static Map<String, Class<?>> verbsOf(Class<?> command) {
        if (command == PoolCommand.class) {
            return PoolCommand.VERBS;
        }
        if (command == ClusterCommand.class) {
            return ClusterCommand.VERBS;
        }
        if (command == WarmPoolCommand.class) {
            return WarmPoolCommand.VERBS;
        }
        return null;
    }

    /** An ordered, unmodifiable map from alternating names and command classes (a class may have several names: its aliases). */
    static Map<String, Class<?>> named(Object... nameThenClass) {
        java.util.LinkedHashMap<String, Class<?>> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) {
            m.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private final Map<String, String> env;
    private final Optional<Path> home;
    private final boolean terminal;
    private final dev.ephemera.application.Reconciler.StepHook stepHook;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    EphemeraCommand(Map<String, String> env, Optional<Path> home, boolean terminal, dev.ephemera.application.Reconciler.StepHook stepHook) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.terminal = terminal;
        this.stepHook = stepHook;
    }

    dev.ephemera.application.Reconciler.StepHook stepHook() {
        return stepHook;
    }

    Map<String, String> env() {
        return env;
    }

    Optional<Path> home() {
        return home;
    }

    boolean terminal() {
        return terminal;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
