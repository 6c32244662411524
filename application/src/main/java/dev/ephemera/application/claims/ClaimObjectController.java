package dev.ephemera.application.claims;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.PhaseChange;
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
import dev.ephemera.ports.claims.ClaimCondition;
import dev.ephemera.ports.claims.ClaimObject;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimRef;
import dev.ephemera.ports.claims.ClaimSpec;
import dev.ephemera.ports.claims.ClaimStatus;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns claim objects ({@code EphemeralCluster}) into claims through the same {@link Clusters}
 * use case as the REST API and the CLI, and the clusters' phase changes ({@link ClusterEvents})
 * into the objects' status. Only the leader runs it (the driver steps the clusters it claims).
 *
 * <ul>
 *   <li>A new object gets the finalizer, then its cluster is claimed under the id
 *       {@link ClaimIds#of}; the id goes to {@code status.clusterId}, and an object that has one is
 *       never claimed again (a cluster that ran out its lifetime stays Deprovisioned).</li>
 *   <li>{@code spec.tearDownCluster: true} deletes the cluster; deleting the object does too, and
 *       the finalizer comes off only when the cluster is Deleted, i.e. its backend resources are gone.</li>
 *   <li>Ready: the kubeconfig is written to a Secret in the object's namespace first, the status
 *       says Ready after.</li>
 *   <li>A spec Ephemera refuses (bad duration, unknown backend, a full cap…) is a {@code ClusterReady}
 *       condition with a reason and phase Failed; nothing is retried until the spec changes.</li>
 * </ul>
 *
 * All work runs on one thread, one object at a time, so two events of one object never race.
 */
@Singleton
public final class ClaimObjectController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimObjectController.class);
    public static final String CLUSTER_READY = "ClusterReady";
    public static final String KUBECONFIG_PUBLISHED = "KubeconfigPublished";

    private final ClaimObjects objects;
    private final Clusters clusters;
    private final ClusterEvents events;
    private final ClaimObjectSettings settings;

    private final Map<ClusterId, ClaimRef> byCluster = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private ScheduledExecutorService worker;
    private AutoCloseable watch;
    private AutoCloseable subscription;
    private volatile boolean running;

    @Inject
    public ClaimObjectController(ClaimObjects objects, Clusters clusters, ClusterEvents events, ClaimObjectSettings settings) {
        this.objects = objects;
        this.clusters = clusters;
        this.events = events;
        this.settings = settings;
    }

    /** Starts watching and answering. Idempotent; may be started again after {@link #close()}. */
    public void start() {
        synchronized (lifecycle) {
            if (running) {
                return;
            }
            worker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ephemera-claim-objects");
                t.setDaemon(true);
                return t;
            });
            running = true;
            subscription = events.subscribe(this::heard);
            watch = objects.watch(o -> submit(() -> reconcile(o)));
            long every = settings.resync().toMillis();
            worker.scheduleWithFixedDelay(this::resync, every, every, TimeUnit.MILLISECONDS);
            LOG.info("claim object controller started resync={}", settings.resync());
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!running) {
                return;
            }
            running = false;
            closeQuietly(subscription);
            closeQuietly(watch);
            worker.shutdown();
            try {
                if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                    worker.shutdownNow();
                }
            } catch (InterruptedException e) {
                worker.shutdownNow();
                Thread.currentThread().interrupt();
            }
            LOG.info("claim object controller stopped");
        }
    }

    public boolean isRunning() {
        return running;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            LOG.debug("closing failed error={}", e.toString());
        }
    }

    private void submit(Runnable r) {
        if (!running) {
            return;
        }
        try {
            worker.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Stopping: the next leader picks the object up from its own list.
        }
    }

    /** A phase change saved or seen in this process: answer the object that claimed that cluster, if any. */
    private void heard(PhaseChange change) {
        ClaimRef ref = byCluster.get(change.cluster().id());
        if (ref != null) {
            submit(() -> objects.cached().stream().filter(o -> o.ref().equals(ref)).findFirst().ifPresent(this::reconcile));
        }
    }

    private void resync() {
        for (ClaimObject o : objects.cached()) {
            reconcile(o);
        }
    }

    /** Brings one object and its cluster into agreement. Never throws: a failure is logged and retried on the next resync. */
    void reconcile(ClaimObject o) {
        ClusterId id;
        try {
            id = ClaimIds.of(o.ref());
        } catch (EphemeraException e) {
            status(o, failed(o, Optional.empty(), "InvalidName", e.getMessage()));
            return;
        }
        byCluster.put(id, o.ref());
        try {
            Optional<Cluster> cluster = find(id);
            if (o.deleting()) {
                deleted(o, id, cluster);
                return;
            }
            if (!o.hasFinalizer()) {
                objects.addFinalizer(o.ref());
            }
            if (truthy(o.spec().tearDownCluster(), "tearDownCluster")) {
                if (cluster.isPresent() && cluster.get().phase() != Phase.DELETED) {
                    cluster = Optional.of(clusters.delete(id));
                }
                answer(o, id, cluster, true);
                return;
            }
            if (cluster.isEmpty() && o.statusClusterId().isEmpty()) {
                ClaimRequest request;
                try {
                    request = request(o, id);
                } catch (EphemeraException e) {
                    status(o, failed(o, Optional.empty(), "InvalidSpec", e.getMessage()));
                    return;
                }
                try {
                    cluster = Optional.of(clusters.submit(request).cluster());
                } catch (EphemeraException e) {
                    if (isTransient(e)) {
                        throw e;
                    }
                    // Refused (ttl beyond the maximum, unknown backend, a full cap): no cluster, so a changed spec is claimed afresh.
                    status(o, failed(o, Optional.empty(), reason(e.code()), e.getMessage()));
                    return;
                }
                LOG.info("claim object claimed object={} cluster={} backend={}", o.ref(), id, request.backend());
            }
            answer(o, id, cluster, false);
        } catch (EphemeraException e) {
            if (isTransient(e)) {
                LOG.warn("claim object not answered, retried on the next resync object={} error={}", o.ref(), e.getMessage());
                return;
            }
            status(o, failed(o, Optional.empty(), reason(e.code()), e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("claim object not answered, retried on the next resync object={} error={}", o.ref(), e.toString());
        }
    }

    private static boolean isTransient(EphemeraException e) {
        return e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.TIMEOUT || e.code() == ErrorCode.RATE_LIMITED;
    }

    private Optional<Cluster> find(ClusterId id) {
        try {
            return Optional.of(clusters.get(id));
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The object is being deleted: delete its cluster, and let the object go once the cluster is gone. */
    private void deleted(ClaimObject o, ClusterId id, Optional<Cluster> cluster) {
        if (!o.hasFinalizer()) {
            return;
        }
        boolean ours = o.statusClusterId().map(id.value()::equals).orElse(cluster.isPresent());
        if (!ours || cluster.isEmpty() || cluster.get().phase() == Phase.DELETED) {
            objects.withdrawKubeconfig(o.ref());
            objects.removeFinalizer(o.ref());
            byCluster.remove(id, o.ref());
            LOG.info("claim object released object={} cluster={}", o.ref(), id);
            return;
        }
        Cluster c = clusters.delete(id);
        answer(o, id, Optional.of(c), true);
    }

    /** Writes the status (and the kubeconfig Secret) from the cluster's phase. */
    private void answer(ClaimObject o, ClusterId id, Optional<Cluster> cluster, boolean tearingDown) {
        if (cluster.isEmpty()) {
            // Claimed once and gone from the store since (deleted and cleaned up): nothing left to run.
            objects.withdrawKubeconfig(o.ref());
            status(o, new ClaimStatus("Deprovisioned", Optional.of(o.statusClusterId().orElse(id.value())),
                    List.of(ClaimCondition.of(CLUSTER_READY, false, "Deprovisioned", "the cluster is gone"),
                            ClaimCondition.of(KUBECONFIG_PUBLISHED, false, "Deprovisioned", "the cluster is gone")),
                    Optional.empty(), Optional.empty(), Optional.empty(), o.generation()));
            return;
        }
        Cluster c = cluster.get();
        String phase = ClaimPhases.of(c.phase());
        Optional<String> secret = Optional.empty();
        ClaimCondition published;
        if (c.phase() == Phase.READY) {
            Secret kubeconfig = clusters.kubeconfig(id);
            secret = Optional.of(objects.publishKubeconfig(o.ref(), o.uid(), kubeconfig));
            published = ClaimCondition.of(KUBECONFIG_PUBLISHED, true, "Published", "key kubeconfig of Secret " + secret.get());
        } else {
            if (c.phase() == Phase.DELETED || c.phase() == Phase.DELETING) {
                objects.withdrawKubeconfig(o.ref());
            }
            published = ClaimCondition.of(KUBECONFIG_PUBLISHED, false, c.phase().displayName(), "the cluster is " + c.phase().displayName());
        }
        String message = c.failureReason().filter(x -> c.phase() == Phase.FAILED)
                .orElseGet(() -> c.timeline().isEmpty() ? c.phase().displayName() : c.timeline().get(c.timeline().size() - 1).message());
        ClaimCondition ready = ClaimCondition.of(CLUSTER_READY, c.phase() == Phase.READY, c.phase() == Phase.READY ? "Ready" : c.phase().displayName(),
                message);
        status(o, new ClaimStatus(phase, Optional.of(id.value()), List.of(ready, published), secret,
                c.endpoint().map(e -> e.apiUrl().toString()), Optional.of(c.expiresAt()), o.generation()));
    }

    private ClaimStatus failed(ClaimObject o, Optional<String> clusterId, String reason, String message) {
        return new ClaimStatus("Failed", clusterId.or(o::statusClusterId), List.of(ClaimCondition.of(CLUSTER_READY, false, reason, message),
                ClaimCondition.of(KUBECONFIG_PUBLISHED, false, reason, "no cluster")), Optional.empty(), Optional.empty(), Optional.empty(),
                o.generation());
    }

    private void status(ClaimObject o, ClaimStatus s) {
        try {
            objects.updateStatus(o.ref(), s);
        } catch (RuntimeException e) {
            LOG.warn("claim object status not written, retried on the next resync object={} error={}", o.ref(), e.toString());
        }
    }

    private static String reason(ErrorCode code) {
        StringBuilder b = new StringBuilder();
        for (String part : code.name().toLowerCase(java.util.Locale.ROOT).split("_")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    /** The claim an object's spec asks for; INVALID with what is wrong. */
    ClaimRequest request(ClaimObject o, ClusterId id) {
        ClaimSpec s = o.spec();
        Optional<Owner> owner = Optional.empty();
        if (s.ownerRepository().isPresent()) {
            Optional<Integer> pr = Optional.empty();
            if (s.ownerPullRequest().isPresent()) {
                try {
                    pr = Optional.of(Integer.parseInt(s.ownerPullRequest().get().trim()));
                } catch (NumberFormatException e) {
                    throw EphemeraException.invalid("spec.owner.pullRequest '" + s.ownerPullRequest().get() + "' is not a number");
                }
            }
            owner = Optional.of(new Owner(s.ownerRepository().get().trim(), pr));
        } else if (s.ownerPullRequest().isPresent()) {
            throw EphemeraException.invalid("spec.owner.pullRequest needs spec.owner.repository (OWNER/REPO)");
        }
        List<SinkTarget> pushTo = new ArrayList<>();
        for (String t : s.pushTo()) {
            pushTo.add(SinkTarget.parse(t));
        }
        ClusterSpec spec = new ClusterSpec(s.kubernetesVersion(), s.size(), s.location(),
                Map.of("ephemera.dev/claim-namespace", o.ref().namespace(), "ephemera.dev/claim-name", o.ref().name()), List.of());
        return new ClaimRequest(id, owner, s.backend().orElse(settings.defaultBackend()), spec, duration(s.ttl(), "ttl"), pushTo,
                truthy(s.keepOnFailure(), "keepOnFailure"), duration(s.heartbeat(), "heartbeat"), true);
    }

    private static Optional<Duration> duration(Optional<String> text, String field) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(DurationText.parse(text.get().trim()));
        } catch (EphemeraException e) {
            throw EphemeraException.invalid("spec." + field + ": " + e.getMessage());
        }
    }

    private static boolean truthy(Optional<String> text, String field) {
        if (text.isEmpty()) {
            return false;
        }
        return switch (text.get().trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw EphemeraException.invalid("spec." + field + " must be true or false, got '" + text.get() + "'");
        };
    }

    /** For tests: the object each cluster id answers to. */
    Map<ClusterId, ClaimRef> claimed() {
        return new LinkedHashMap<>(byCluster);
    }
}
