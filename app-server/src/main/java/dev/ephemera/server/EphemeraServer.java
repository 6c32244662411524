package dev.ephemera.server;

import dev.ephemera.application.Reaper;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: owns its Vert.x instance and meter registry. {@link #start()} binds and
 * returns the port; {@link #close()} stops accepting, lets requests in flight finish within
 * {@code server.shutdown-timeout}, then closes Vert.x. The {@link Ephemera} stays the caller's.
 */
public final class EphemeraServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EphemeraServer.class);

    private final Ephemera ephemera;
    private final ServerSettings settings;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private Vertx vertx;
    private HttpServer server;
    private ReaperSchedule reaper;
    private LifecycleProcessor lifecycle;

    public EphemeraServer(Ephemera ephemera, ServerSettings settings) {
        this.ephemera = ephemera;
        this.settings = settings;
    }

    /** Binds and returns the port actually bound (useful with port 0). */
    public synchronized int start() {
        if (server != null) {
            return server.actualPort();
        }
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        vertx = Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(metrics))
                .build();
        HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16384);
        try {
            server = vertx.createHttpServer(options)
                    .requestHandler(ServerRoutes.create(vertx, ephemera, settings, metrics))
                    .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            closeVertx(Duration.ofSeconds(5));
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + cause.getMessage() + " (is another process using the port? set --port or server.port)", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while starting the server");
        }
        LOG.info("server listening host={} port={}", settings.host(), server.actualPort());
        reaper = new ReaperSchedule(vertx, () -> ephemera.get(Reaper.class), settings.reapOrphans(), metrics);
        if (!settings.reapInterval().isZero()) {
            reaper.start(settings.reapInterval());
            LOG.info("reaper scheduled every={}s orphans={}", settings.reapInterval().toSeconds(), settings.reapOrphans());
        }
        lifecycle = new LifecycleProcessor(ephemera);
        lifecycle.start();
        return server.actualPort();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Called after each finished reaper sweep (for tests and embedding code). */
    public synchronized void onReaperSweep(java.util.function.Consumer<Reaper.Sweep> listener) {
        if (reaper == null) {
            throw new IllegalStateException("start the server first");
        }
        reaper.onSweep(listener);
    }

    /** Graceful stop: no new connections; requests in flight get until the shutdown timeout. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        reaper.stop();
        lifecycle.close();
        Duration grace = settings.shutdownTimeout();
        try {
            server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS).toCompletionStage().toCompletableFuture()
                    .get(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("server did not stop within shutdown-timeout={}ms; closing connections", grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
        closeVertx(Duration.ofSeconds(10));
        metrics.close();
        LOG.info("server stopped");
    }

    private void closeVertx(Duration wait) {
        if (vertx == null) {
            return;
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("vert.x did not close cleanly: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        vertx = null;
    }
}
