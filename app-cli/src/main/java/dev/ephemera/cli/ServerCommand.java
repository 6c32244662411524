package dev.ephemera.cli;

import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ephemera server}: runs the HTTP server until SIGTERM or SIGINT, then stops gracefully
 * (requests in flight get {@code server.shutdown-timeout}) and exits 0.
 */
@Command(name = "server", description = {"Run the HTTP server: /healthz, /readyz, /metrics and the API and webhook routes.",
    "Stops gracefully on SIGTERM or SIGINT."})
public final class ServerCommand extends BaseCommand {
    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: server.port, $PORT, else 8080; 0 picks a free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (default: server.host, else 127.0.0.1; 0.0.0.0 in a container).")
    String host;

    @picocli.CommandLine.Mixin
    ServerOptions.Refused client;

    @Override
    protected String localReason() {
        return " (it is the server: its configuration, store and backends)";
    }

    @Override
    protected int run(CliContext ctx) throws InterruptedException {
        if (port != null && (port < 0 || port > 65535)) {
            throw dev.ephemera.domain.error.EphemeraException.invalid("--port must be 0-65535 (0 picks a free port), got " + port);
        }
        ServerSettings settings;
        try {
            settings = ServerSettings.from(ctx.ephemera().config().section("server"));
        } catch (IllegalArgumentException e) {
            throw new dev.ephemera.domain.error.EphemeraException(dev.ephemera.domain.error.ErrorCode.CONFIGURATION, e.getMessage());
        }
        if (port != null) {
            settings = settings.withPort(port);
        }
        if (host != null) {
            settings = settings.withHost(host);
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (EphemeraServer server = new EphemeraServer(ctx.ephemera(), settings)) {
            int bound = server.start();
            ctx.err().println("ephemera server listening on http://" + settings.host() + ":" + bound + " (SIGTERM or Ctrl-C stops it)");
            ctx.err().flush();
            Signals.onTermination(stop::countDown);
            stop.await();
            ctx.err().println("ephemera server stopping: finishing requests in flight");
            ctx.err().flush();
        }
        return ExitCodes.OK;
    }
}
