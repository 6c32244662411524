package dev.ephemera.cli;

import dev.ephemera.cli.remote.ApiClient;
import dev.ephemera.cli.remote.ServerTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The base of every command that does something: global options, a {@link CliContext}, and an
 * exit code. Errors are thrown as {@code EphemeraException}s and become exit codes in
 * {@link EphemeraCli}, in one place.
 */
public abstract class BaseCommand implements Callable<Integer> {
    /** The variables that name a server and its token for client mode. */
    static final String SERVER_VARIABLE = "EPHEMERA_SERVER";
    static final String TOKEN_VARIABLE = "EPHEMERA_TOKEN";

    @Spec
    protected CommandSpec spec;

    @Mixin
    protected GlobalOptions global;

    /**
     * How a command that takes {@link ServerOptions} treats a server named with {@code --server}
     * or {@code $EPHEMERA_SERVER}.
     */
    protected enum ClientMode {
        /** Calls that server's API: no configuration, store or adapter is opened. */
        CLIENT,
        /** Refused (exit 2) when a server is named by the flag or the variable: the command needs what is local. */
        LOCAL_ONLY,
        /** Refused (exit 2) when {@code --server} is given; the variable is not for it (e.g. {@code ephemera server}). */
        LOCAL
    }

    /** How this command treats a named server; only commands with a {@link ServerOptions} (or its {@code Refused}) mixin are asked. */
    protected ClientMode clientMode() {
        return ClientMode.LOCAL;
    }

    /** Configuration overrides a command's own flags make, as {@code EPHEMERA_…} variables (e.g. verify's --kubeconfig). */
    protected java.util.Map<String, String> settingOverrides() {
        return java.util.Map.of();
    }

    /** Does the work; returns an exit code from {@link ExitCodes}. */
    protected abstract int run(CliContext ctx) throws Exception;

    @Override
    public final Integer call() throws Exception {
        EphemeraCommand root = (EphemeraCommand) spec.root().userObject();
        java.util.Map<String, String> env = new java.util.HashMap<>(root.env());
        env.putAll(settingOverrides());
        Optional<ServerTarget> server = server(env);
        // The API client's classes are loaded only in client mode: a local command's start-up does not pay for them.
        Optional<ApiClient> client = server.isPresent() ? Optional.of(new ApiClient(server.get())) : Optional.empty();
        try (CliContext ctx = new CliContext(spec.commandLine().getOut(), spec.commandLine().getErr(), global.output(),
                global.config(), env, root.home(), root.terminal(), root.stepHook(), client)) {
            return run(ctx);
        }
    }

    /** The server this run calls, if client mode is on; refuses a named server where the command cannot use one. */
    private Optional<ServerTarget> server(java.util.Map<String, String> env) {
        Optional<NamedServer> options = spec.mixins().values().stream().map(CommandSpec::userObject)
                .filter(NamedServer.class::isInstance).map(NamedServer.class::cast).findFirst();
        if (options.isEmpty()) {
            return Optional.empty();
        }
        ClientMode mode = clientMode();
        Optional<String> flag = options.get().server();
        Optional<String> variable = Optional.ofNullable(env.get(SERVER_VARIABLE)).filter(s -> !s.isBlank());
        Optional<String> url = flag.or(() -> mode == ClientMode.LOCAL ? Optional.empty() : variable);
        if (url.isEmpty()) {
            if (options.get().tokenFile().isPresent()) {
                throw EphemeraException.invalid("--token-file is the token for a server: name the server with --server URL or "
                        + SERVER_VARIABLE + ", or leave --token-file out");
            }
            return Optional.empty();
        }
        String origin = flag.isPresent() ? "--server" : "$" + SERVER_VARIABLE;
        if (mode != ClientMode.CLIENT) {
            throw EphemeraException.invalid("`" + spec.qualifiedName() + "` cannot run against a server (" + origin + " " + url.get().strip()
                    + "): it needs what is on this machine" + localReason() + ". Run it without --server"
                    + (mode == ClientMode.LOCAL_ONLY ? " and with " + SERVER_VARIABLE + " unset" : "")
                    + ", where the configuration and the store are");
        }
        java.net.URI base = ServerTarget.parseUrl(url.get(), origin);
        Optional<Secret> token = options.get().tokenFile().map(ServerTarget::tokenFile)
                .or(() -> Optional.ofNullable(env.get(TOKEN_VARIABLE)).filter(s -> !s.isEmpty()).map(t -> ServerTarget.token(t, "$" + TOKEN_VARIABLE)));
        return Optional.of(new ServerTarget(base, token));
    }

    /** Why this command is local only, for the refusal's message (e.g. " (the local Docker engine)"). */
    protected String localReason() {
        return "";
    }
}
