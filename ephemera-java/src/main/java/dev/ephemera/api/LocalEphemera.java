package dev.ephemera.api;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.Reconciler;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.application.report.ReportRequest;
import dev.ephemera.application.report.Reports;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded mode: the same assembly the CLI starts ({@code dev.ephemera.bootstrap.Ephemera}), the
 * claim recorded through {@link Clusters} and stepped to Ready in this JVM by the
 * {@link Reconciler} (the CLI's {@code --wait}: jittered, capped backoff from the shared retry
 * policy while the backend works, no fixed sleeps), deletion stepped the same way on close.
 *
 * <p>The assembly is started when a claim needs it and closed when the last open cluster is
 * closed, so a one-line {@code Ephemera.local().claim(…)} leaves no database handle or Docker
 * client behind.
 */
final class LocalEphemera implements Ephemera {
    private static final Logger LOG = LoggerFactory.getLogger(LocalEphemera.class);

    private final Optional<Path> configFile;
    private final List<LocalCluster> open = new ArrayList<>();
    private dev.ephemera.bootstrap.Ephemera runtime;
    /** Claims in progress plus open clusters: the assembly is closed when this drops to zero. */
    private int users;
    private boolean closed;

    LocalEphemera(Optional<Path> configFile) {
        this.configFile = configFile;
    }

    private synchronized dev.ephemera.bootstrap.Ephemera acquire() {
        if (closed) {
            throw EphemeraException.conflict("this Ephemera was closed; make a new one with Ephemera.local()");
        }
        if (runtime == null) {
            runtime = dev.ephemera.bootstrap.Ephemera.start(ConfigLoader.Request.fromProcess(configFile), Optional.empty());
        }
        users++;
        return runtime;
    }

    private synchronized void release() {
        if (--users == 0 && runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    @Override
    public EphemeralCluster claim(ClusterRequest request) {
        dev.ephemera.bootstrap.Ephemera rt = acquire();
        boolean handedOut = false;
        try {
            LocalCluster c = claim(rt, request);
            synchronized (this) {
                open.add(c);
            }
            handedOut = true;
            return c;
        } finally {
            if (!handedOut) {
                release();
            }
        }
    }

    private LocalCluster claim(dev.ephemera.bootstrap.Ephemera rt, ClusterRequest request) {
        ClusterId id = ClusterId.of(request.id());
        WarmPools warm = rt.get(WarmPools.class);
        request.pool().ifPresent(warm::pool); // an unknown pool is refused first, before any backend is made
        String backend = request.backend().orElseGet(() -> request.pool().map(p -> warm.pool(p).backend()).orElse(rt.config().defaultBackend()));
        requireBackend(rt, backend, request.backend().isPresent());
        ClusterSpec spec = new ClusterSpec(request.kubernetesVersion(), request.size(), request.location(), Map.of(), List.of());
        List<SinkTarget> push = request.pushTo().stream().map(SinkTarget::parse).toList();
        Clusters clusters = rt.get(Clusters.class);
        // An ordinary claim unless it names (or matches) a warm pool; then it is the member it took, aliased to id.
        ClusterId stepped = warm.submit(new ClaimRequest(id, request.owner().map(Owner::parse), backend, spec, request.ttl(), push, false,
                Optional.empty(), false), request.pool()).cluster().id();
        Duration timeout = request.readyTimeout().orElse(rt.config().policies().provisioningTimeout());
        LocalCluster handle = null;
        try {
            Cluster ready = untilReady(rt, stepped, timeout);
            handle = new LocalCluster(rt, ready, clusters.kubeconfig(id), request);
            LOG.info("cluster ready cluster={} backend={} claimToReady={}", id, backend,
                    ready.readyAt().map(r -> DurationText.format(Duration.between(ready.createdAt(), r))).orElse("?"));
            return handle;
        } catch (RuntimeException e) {
            // Nobody gets a handle to this claim: undo it now, as the request says, and report the first error.
            try {
                letGo(rt, id, request);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static Cluster untilReady(dev.ephemera.bootstrap.Ephemera rt, ClusterId id, Duration timeout) {
        AtomicReference<EphemeraException> cause = new AtomicReference<>();
        Cluster c;
        try {
            c = rt.get(Reconciler.class).runUntilSettled(id, Instant.now().plus(timeout),
                    x -> LOG.debug("cluster phase cluster={} phase={}", x.id(), x.phase().displayName()), cause::set);
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.TIMEOUT) {
                throw new EphemeraException(ErrorCode.TIMEOUT, "cluster " + id + " was not Ready within " + DurationText.format(timeout)
                        + " (" + e.getMessage() + "); give it longer with ClusterRequest.readyTimeout", e);
            }
            throw e;
        }
        if (c.phase() != Phase.READY) {
            ErrorCode code = cause.get() != null ? cause.get().code()
                    : c.phase() == Phase.DELETED || c.phase() == Phase.FAILED ? ErrorCode.BACKEND : ErrorCode.CONFLICT;
            throw new EphemeraException(code, "cluster " + id + " did not become Ready: it is " + c.phase().displayName()
                    + c.failureReason().map(r -> " (" + r + ")").orElse(""), cause.get());
        }
        return c;
    }

    /** Deletes and waits until it is Deleted, or releases. */
    private static void letGo(dev.ephemera.bootstrap.Ephemera rt, ClusterId id, ClusterRequest request) {
        Clusters clusters = rt.get(Clusters.class);
        if (request.onClose() == OnClose.RELEASE) {
            clusters.release(id);
            return;
        }
        clusters.delete(id);
        Cluster c = rt.get(Reconciler.class).runUntilSettled(id, Instant.now().plus(request.closeTimeout()),
                x -> LOG.debug("cluster phase cluster={} phase={}", x.id(), x.phase().displayName()));
        if (c.phase() != Phase.DELETED) {
            throw new EphemeraException(ErrorCode.BACKEND, "cluster " + id + " was not deleted: it is " + c.phase().displayName()
                    + c.failureReason().map(r -> " (" + r + ")").orElse("") + "; finish it with: ephemera cluster delete " + id + " --wait");
        }
        LOG.info("cluster deleted cluster={}", id);
    }

    /** Fails, naming the installed ones, when no backend of that name is installed; then makes it, so its settings are checked before anything is recorded. */
    private static void requireBackend(dev.ephemera.bootstrap.Ephemera rt, String name, boolean asked) {
        Set<String> installed = new TreeSet<>(rt.registry().factories(ClusterBackendFactory.class).keySet());
        if (!installed.contains(name)) {
            String where = asked ? "asked for in the ClusterRequest" : "the default, from `backend:` in the configuration";
            throw new EphemeraException(asked ? ErrorCode.INVALID : ErrorCode.CONFIGURATION, "no cluster backend named '" + name
                    + "' is installed (" + where + "); installed: " + (installed.isEmpty() ? "none" : String.join(", ", installed))
                    + ". Put the adapter's jar on the class path, or choose one of those; `ephemera backends` lists every adapter");
        }
        rt.backend(name);
    }

    @Override
    public void close() {
        List<LocalCluster> left;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            left = new ArrayList<>(open);
        }
        ClusterHandle.closeAll(left);
    }

    @Override
    public String toString() {
        return "Ephemera.local(" + configFile.map(Path::toString).orElse("configuration lookup") + ")";
    }

    /** A cluster claimed in this JVM. */
    private final class LocalCluster extends ClusterHandle {
        private final dev.ephemera.bootstrap.Ephemera rt;
        private final ClusterRequest request;

        LocalCluster(dev.ephemera.bootstrap.Ephemera rt, Cluster c, Secret kubeconfig, ClusterRequest request) {
            super(c.id().value(), c.backend(), c.endpoint().map(e -> e.apiUrl())
                    .orElseThrow(() -> EphemeraException.backend("cluster " + c.id() + " is Ready but has no endpoint", null)),
                    kubeconfig, h -> {
                        synchronized (LocalEphemera.this) {
                            open.remove(h);
                        }
                        release();
                    });
            this.rt = rt;
            this.request = request;
        }

        @Override
        String closedAs() {
            return request.onClose() == OnClose.RELEASE ? "released" : "deleted";
        }

        @Override
        void letGo() {
            LocalEphemera.letGo(rt, ClusterId.of(id()), request);
        }

        @Override
        Path writeReport(Path directory) {
            ReportRequest ask = new ReportRequest(new ReportRequest.ClusterTarget(ClusterId.of(id())), List.of(), directory, Optional.empty(),
                    ReportRequest.DEFAULT_LOG_LINES, ReportRequest.DEFAULT_LOG_BYTE_CAP, ReportRequest.DEFAULT_CONCURRENCY,
                    ReportRequest.DEFAULT_BUDGET);
            return rt.get(Reports.class).write(ask).reportFile();
        }
    }
}
