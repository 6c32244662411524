package dev.ephemera.server;

import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Reaper;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: owns its Vert.x instance and meter registry. {@link #start()} binds, joins the
 * leader election ({@code server.leadership}; by default this process leads at once), runs the
 * {@link ClusterDriver} (which steps every unsettled cluster with no client waiting) and the claim
 * object controller while it leads, and returns the port; {@link #close()} stops accepting, lets requests in flight finish within
 * {@code server.shutdown-timeout}, closes the driver, then Vert.x. The {@link Ephemera} stays the caller's.
 */
public final class EphemeraServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EphemeraServer.class);

    private final Ephemera ephemera;
    private final ServerSettings settings;
    private static final String VERTX_ACTIVE_REQUESTS = "vertx.http.server.active.requests";

    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong activeRequests = new AtomicLong();
    private Vertx vertx;
    private HttpServer server;
    private ReaperSchedule reaper;
    private ClusterDriver driver;
    private LeaderDuties duties;
    private ClusterMetrics clusterMetrics;
    private long metricsTimer = -1;
    private LifecycleProcessor lifecycle;

    public EphemeraServer(Ephemera ephemera, ServerSettings settings) {
        this.ephemera = ephemera;
        this.settings = settings;
    }

    /** Says why listening failed: an address not on this machine is not a busy port. */
    private EphemeraException listenFailure(Throwable cause) {
        String where = settings.host() + ":" + settings.port();
        String m = String.valueOf(cause.getMessage());
        if (m.contains("Cannot assign requested address") || m.contains("Can't assign requested address")) {
            return new EphemeraException(ErrorCode.INVALID, "cannot listen on " + where + ": " + settings.host()
                    + " is not an address of this machine; use one of its own (127.0.0.1, or 0.0.0.0 for all) with --host or server.host", cause);
        }
        if (m.contains("Address already in use")) {
            return new EphemeraException(ErrorCode.UNAVAILABLE, "cannot listen on " + where + ": the port is in use by another process;"
                    + " choose another with --port or server.port", cause);
        }
        return new EphemeraException(ErrorCode.UNAVAILABLE, "cannot listen on " + where + ": " + m, cause);
    }

    /** Binds and returns the port actually bound (useful with port 0). */
    public synchronized int start() {
        if (server != null) {
            return server.actualPort();
        }
        if (!settings.reapInterval().isZero() && !settings.reapOrphans().isEmpty()) {
            ephemera.get(Reaper.class).requireKnownBackends(settings.reapOrphans()); // a misspelt server.reap-orphans fails the start
        }
        ephemera.get(WarmPools.class).requireUsable(); // a pool on a missing backend, or hibernating where it cannot, fails the start
        // Vert.x's micrometer metrics register this gauge again on every request, which Micrometer
        // answers with a "Gauge has been already registered" warning; the server counts its active
        // requests itself instead (ephemera_http_server_active_requests).
        metrics.config().meterFilter(MeterFilter.deny(id -> VERTX_ACTIVE_REQUESTS.equals(id.getName())));
        Gauge.builder("ephemera.http.server.active.requests", activeRequests, AtomicLong::get)
                .description("HTTP requests being processed, held Flagger gate requests included").register(metrics);
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
                    .requestHandler(ServerRoutes.create(vertx, ephemera, settings, metrics, activeRequests,
                            new ApiHooks(id -> ephemera.get(ClusterDriver.class).kick(id))))
                    .invalidRequestHandler(ServerRoutes::invalidRequest)
                    .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            closeVertx(Duration.ofSeconds(5));
            throw listenFailure(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while starting the server");
        } catch (RuntimeException e) {
            closeVertx(Duration.ofSeconds(5)); // e.g. a bad server.tokens: nothing is left running
            throw e;
        }
        LOG.info("server listening host={} port={}", settings.host(), server.actualPort());
        reaper = new ReaperSchedule(vertx, () -> ephemera.get(Reaper.class), settings.reapOrphans(), metrics);
        if (!settings.reapInterval().isZero()) {
            reaper.start(settings.reapInterval());
            LOG.info("reaper scheduled every={}s orphans={}", settings.reapInterval().toSeconds(), settings.reapOrphans());
        }
        // The driver steps every unsettled cluster to where it is going, with no client waiting.
        // Only the leader (server.leadership; by default this process) drives them and answers claim objects.
        driver = ephemera.get(ClusterDriver.class);
        // The leader also keeps every warm pool filled; its members are ordinary claims the driver brings up.
        duties = new LeaderDuties(ephemera, driver, ephemera.get(WarmPools.class)).join();
        clusterMetrics = new ClusterMetrics(driver, ephemera.get(ClusterEvents.class), metrics);
        clusterMetrics.refresh();
        metricsTimer = vertx.setPeriodic(1_000, t -> clusterMetrics.refresh());
        lifecycle = new LifecycleProcessor(ephemera);
        lifecycle.start();
        return server.actualPort();
    }

    /** Requests being processed now (the {@code ephemera_http_server_active_requests} gauge). */
    public long activeRequests() {
        return activeRequests.get();
    }

    /** Whether this server leads now: drives clusters and answers claim objects. */
    public boolean isLeader() {
        return duties != null && duties.isLeader();
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
        // After the last request: the driver finishes the steps it is in and gives up its step leases.
        if (driver != null) {
            vertx.cancelTimer(metricsTimer);
            clusterMetrics.close();
            duties.close();
            driver.close();
            driver = null;
        }
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
