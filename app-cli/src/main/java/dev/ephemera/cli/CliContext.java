package dev.ephemera.cli;

import dev.ephemera.application.Reconciler;
import dev.ephemera.cli.remote.ApiClient;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a command works with: its output streams, the chosen output format, the environment,
 * and the running {@link Ephemera}, started on first use (so {@code version} and {@code --help}
 * never load configuration or adapters).
 */
public final class CliContext implements AutoCloseable {
    private final PrintWriter out;
    private final PrintWriter err;
    private final OutputFormat output;
    private final Optional<Path> configFile;
    private final Map<String, String> env;
    private final Optional<Path> home;
    private final boolean terminal;
    private final Reconciler.StepHook stepHook;
    private final Optional<ApiClient> server;
    private Ephemera ephemera;

    CliContext(PrintWriter out, PrintWriter err, OutputFormat output, Optional<Path> configFile, Map<String, String> env,
               Optional<Path> home, boolean terminal) {
        this(out, err, output, configFile, env, home, terminal, Reconciler.StepHook.NONE);
    }

    CliContext(PrintWriter out, PrintWriter err, OutputFormat output, Optional<Path> configFile, Map<String, String> env,
               Optional<Path> home, boolean terminal, Reconciler.StepHook stepHook) {
        this(out, err, output, configFile, env, home, terminal, stepHook, Optional.empty());
    }

    CliContext(PrintWriter out, PrintWriter err, OutputFormat output, Optional<Path> configFile, Map<String, String> env,
               Optional<Path> home, boolean terminal, Reconciler.StepHook stepHook, Optional<ApiClient> server) {
        this.server = server;
        this.stepHook = stepHook;
        this.out = out;
        this.err = err;
        this.output = output;
        this.configFile = configFile;
        this.env = Map.copyOf(env);
        this.home = home;
        this.terminal = terminal;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    public OutputFormat output() {
        return output;
    }

    public Map<String, String> env() {
        return env;
    }

    /** The distribution's directory ({@code bin/..}), when run from it. */
    public Optional<Path> distributionHome() {
        return home;
    }

    /** Whether stderr is a terminal: progress and colour only then. */
    public boolean terminal() {
        return terminal;
    }

    /** The server's API client in client mode ({@code --server} or {@code $EPHEMERA_SERVER}); empty when the run is local. */
    public Optional<ApiClient> server() {
        return server;
    }

    /** What {@code cluster} commands work on: the server's API in client mode, else the local store and reconciler. */
    ClusterService clusters() {
        return server.isPresent() ? new RemoteClusterService(server.get()) : new LocalClusterService(this);
    }

    /** What {@code pool} commands work on: the server's API in client mode, else the configured lease store. */
    PoolService pools() {
        return server.isPresent() ? new RemotePoolService(server.get(), env) : new LocalPoolService(this);
    }

    /**
     * The running Ephemera, configured from {@code --config} / the lookup order; started once.
     * Never in client mode, which opens no configuration, store or adapter.
     */
    public synchronized Ephemera ephemera() {
        if (server.isPresent()) {
            throw new IllegalStateException("client mode (--server " + server.get().target().base() + ") opens no local configuration or store");
        }
        if (ephemera == null) {
            Path cwd = Path.of(env.getOrDefault("PWD", System.getProperty("user.dir")));
            Path userHome = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
            EphemeraCli.quietLibraryLogging(env);
            ephemera = Ephemera.start(new ConfigLoader.Request(configFile, env, cwd, userHome), home.map(h -> h.resolve("plugins")));
        }
        return ephemera;
    }

    /** Called after each step the reconciler saves; {@code NONE} unless an embedding program (a test) passed one. */
    public Reconciler.StepHook stepHook() {
        return stepHook;
    }

    /** Prints a result in the chosen format. */
    public void render(Object data) {
        Rendering.render(data, output, out);
    }

    /** A progress line on stderr, shown only on a terminal. */
    public void progress(String line) {
        if (terminal) {
            err.println(line);
            err.flush();
        }
    }

    @Override
    public synchronized void close() {
        if (server.isPresent()) {
            server.get().close();
        }
        if (ephemera != null) {
            ephemera.close();
        }
    }
}
