package dev.ephemera.cli;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterView;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.Reconciler;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.state.ClusterRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** The {@code cluster} commands on this machine: the configured store, backends and reconciler (the CLI drives --wait itself). */
final class LocalClusterService implements ClusterService {
    private final CliContext ctx;

    LocalClusterService(CliContext ctx) {
        this.ctx = ctx;
    }

    private Clusters clusters() {
        return ctx.ephemera().get(Clusters.class);
    }

    @Override
    public ClusterView claim(Claim claim) {
        WarmPools warm = ctx.ephemera().get(WarmPools.class);
        String backendName = claim.backend().or(() -> existingBackend(claim.id()))
                .orElseGet(() -> claim.fromPool().map(p -> warm.pool(p).backend()).orElse(ctx.ephemera().config().defaultBackend()));
        requireBackend(backendName, claim.backend().isPresent());
        LoadImageCommand.requireImageLoading(ctx, backendName, !claim.spec().loadImages().isEmpty());
        // An ordinary claim unless it names or matches a warm pool; then the answer is the member it took.
        return ClusterView.of(warm.submit(new ClaimRequest(claim.id(), claim.owner(), backendName, claim.spec(), claim.ttl(),
                claim.pushTo(), claim.keepOnFailure(), claim.heartbeat(), false), claim.fromPool()).cluster());
    }

    /** The backend a live cluster of this id was created on: claiming it again needs no --backend. */
    private Optional<String> existingBackend(ClusterId id) {
        return ctx.ephemera().get(ClusterRepository.class).find(id).filter(c -> c.phase() != Phase.DELETED).map(Cluster::backend);
    }

    /** Fails, saying how to choose one, when no backend of that name is installed; then makes it (so its settings are checked). */
    private void requireBackend(String name, boolean fromFlag) {
        java.util.Set<String> installed = new java.util.TreeSet<>(ctx.ephemera().registry().factories(ClusterBackendFactory.class).keySet());
        if (!installed.contains(name)) {
            String first = installed.isEmpty() ? "NAME" : installed.iterator().next();
            String where = fromFlag ? "asked for with --backend" : "the default, from `backend:` in the configuration";
            throw new EphemeraException(fromFlag ? ErrorCode.INVALID : ErrorCode.CONFIGURATION, "no cluster backend named '" + name
                    + "' is installed (" + where + "); installed: " + (installed.isEmpty() ? "none" : String.join(", ", installed))
                    + ". Choose one with --backend " + first + ", or set `backend: " + first + "` in ephemera.yaml"
                    + " (or EPHEMERA_BACKEND=" + first + "); `ephemera backends` lists every adapter");
        }
        ctx.ephemera().backend(name); // makes it: a misconfigured backend fails here, before anything is recorded
    }

    @Override
    public ClusterView awaitReady(ClusterId id, Optional<Duration> timeout, Consumer<ClusterView> progress) {
        Duration t = timeout.orElse(ctx.ephemera().config().policies().provisioningTimeout());
        AtomicReference<EphemeraException> cause = new AtomicReference<>();
        Cluster c = await(id, t, progress, cause::set);
        if (c.phase() != Phase.READY) {
            // The exit code says why: the error that failed the claim (e.g. 11 for a cloud limit), else a backend failure.
            ErrorCode code = cause.get() != null ? cause.get().code()
                    : c.phase() == Phase.DELETED || c.phase() == Phase.FAILED ? ErrorCode.BACKEND : ErrorCode.CONFLICT;
            throw new EphemeraException(code, "cluster " + id + " did not become Ready: it is " + c.phase().displayName()
                    + c.failureReason().map(r -> " (" + r + ")").orElse(""));
        }
        return ClusterView.of(c);
    }

    @Override
    public ClusterView awaitDeleted(ClusterId id, Duration timeout, Consumer<ClusterView> progress) {
        return ClusterView.of(await(id, timeout, progress, e -> { }));
    }

    /** Steps the cluster until it settles or the deadline passes. */
    private Cluster await(ClusterId id, Duration timeout, Consumer<ClusterView> progress, Consumer<EphemeraException> onFailure) {
        Reconciler r = ctx.ephemera().get(Reconciler.class);
        r.setStepHook(ctx.stepHook());
        return r.runUntilSettled(id, Instant.now().plus(timeout), c -> progress.accept(ClusterView.of(c)), onFailure);
    }

    @Override
    public List<ClusterView> list() {
        return clusters().list().stream().map(ClusterView::of).toList();
    }

    @Override
    public ClusterView get(ClusterId id) {
        return ClusterView.of(clusters().get(id));
    }

    @Override
    public Secret kubeconfig(ClusterId id) {
        return clusters().kubeconfig(id);
    }

    @Override
    public ClusterView release(ClusterId id) {
        return ClusterView.of(clusters().release(id));
    }

    @Override
    public ClusterView renew(ClusterId id) {
        return ClusterView.of(clusters().renew(id));
    }

    @Override
    public Optional<ClusterView> delete(ClusterId id) {
        if (ctx.ephemera().get(ClusterRepository.class).find(id).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ClusterView.of(clusters().delete(id)));
    }

    /** {@code delete --force}: ends a deletion that is stuck, once the backend confirms nothing is left. */
    Optional<ClusterView> forceDelete(ClusterId id) {
        if (ctx.ephemera().get(ClusterRepository.class).find(id).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ClusterView.of(ctx.ephemera().get(dev.ephemera.application.ForcedDeletion.class).end(id)));
    }
}
