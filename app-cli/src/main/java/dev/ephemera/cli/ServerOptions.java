package dev.ephemera.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --server URL} and {@code --token-file FILE}: client mode, in which {@code cluster} and
 * {@code pool} commands call an Ephemera server's REST API instead of opening a local store. The
 * token is read from a file or {@code $EPHEMERA_TOKEN}, never from the command line, where
 * {@code ps} and shell histories would show it.
 */
public final class ServerOptions implements NamedServer {
    @Option(names = "--server", paramLabel = "URL",
            description = "Call the API of the Ephemera server at URL instead of opening a local store (default: $EPHEMERA_SERVER).")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the server's API token (default: $EPHEMERA_TOKEN); a final newline is ignored.")
    Path tokenFile;

    @Override
    public Optional<String> server() {
        return Optional.ofNullable(server);
    }

    @Override
    public Optional<Path> tokenFile() {
        return Optional.ofNullable(tokenFile);
    }

    /**
     * The same options, hidden from the help, on commands that cannot work against a server: given
     * there, they are refused with a message that says why (instead of picocli's "unknown option",
     * or worse, a silently local run).
     */
    public static final class Refused implements NamedServer {
        @Option(names = "--server", paramLabel = "URL", hidden = true)
        String server;

        @Option(names = "--token-file", paramLabel = "FILE", hidden = true)
        Path tokenFile;

        @Override
        public Optional<String> server() {
            return Optional.ofNullable(server);
        }

        @Override
        public Optional<Path> tokenFile() {
            return Optional.ofNullable(tokenFile);
        }
    }
}
