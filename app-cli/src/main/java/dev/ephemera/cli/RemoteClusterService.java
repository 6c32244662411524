package dev.ephemera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.application.ClusterView;
import dev.ephemera.cli.remote.ApiClient;
import dev.ephemera.cli.remote.ServerSentEvents;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.retry.Retrier;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The {@code cluster} commands in client mode: each one call of the server's REST API
 * (docs/server.md). The server's driver steps the clusters; {@code --wait} follows the cluster's
 * event stream ({@code GET /v1/clusters/{id}/events}), reconnecting with a bounded backoff until the
 * wait is over or its timeout passes.
 */
final class RemoteClusterService implements ClusterService {
    /** Without --timeout a wait lasts as long as the embedded default provisioning timeout (the server's may differ). */
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(15);
    /** Reconnecting to a dropped event stream: jittered, from half a second up to five, until the wait's deadline. */
    static final RetryPolicy RECONNECT = RetryPolicy.polling(Duration.ofMillis(500), Duration.ofSeconds(5));
    /** Phases from which a cluster on its way up does not come to Ready (as the server's own wait sees it). */
    private static final Set<String> GONE = Set.of("Failed", "Deleting", "Deleted");

    private final ApiClient api;

    RemoteClusterService(ApiClient api) {
        this.api = api;
    }

    private static String path(ClusterId id) {
        return "/v1/clusters/" + id.value();
    }

    private ClusterView view(JsonNode n) {
        return api.read(n, ClusterView.class);
    }

    @Override
    public ClusterView claim(Claim claim) {
        if (!claim.spec().loadImages().isEmpty()) {
            // The images are in this machine's engine; the server's backend would look in its own.
            throw new EphemeraException(ErrorCode.INVALID, "--load-image loads images from this machine's Docker engine, so it is not "
                    + "available with a server (--server or EPHEMERA_SERVER): create the cluster, then run `ephemera cluster load-image ID IMAGE…` "
                    + "where the images and the cluster's nodes are, or push the images to a registry the cluster pulls from");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", claim.id().value());
        // As locally: claiming a live cluster again without --backend means the backend it is on, not the default.
        Optional<String> backend = claim.backend().or(() -> find(claim.id()).filter(v -> !v.phase().equals("Deleted")).map(ClusterView::backend));
        backend.ifPresent(b -> body.put("backend", b));
        claim.owner().ifPresent(o -> body.put("owner", o.toString()));
        claim.ttl().ifPresent(t -> body.put("ttl", t.toString()));
        claim.spec().size().ifPresent(s -> body.put("size", s));
        claim.spec().location().ifPresent(s -> body.put("location", s));
        claim.spec().kubernetesVersion().ifPresent(s -> body.put("kubernetesVersion", s));
        if (!claim.pushTo().isEmpty()) {
            body.put("pushTo", claim.pushTo().stream().map(SinkTarget::toString).toList());
        }
        claim.heartbeat().ifPresent(h -> body.put("heartbeat", h.toString()));
        claim.fromPool().ifPresent(p -> body.put("fromPool", p));
        if (claim.keepOnFailure()) {
            body.put("keepOnFailure", true);
        }
        return view(api.call("POST", "/v1/clusters", Optional.of(body)));
    }

    private Optional<ClusterView> find(ClusterId id) {
        try {
            return Optional.of(get(id));
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public ClusterView awaitReady(ClusterId id, Optional<Duration> timeout, Consumer<ClusterView> progress) {
        Duration t = timeout.orElse(DEFAULT_READY_TIMEOUT);
        ClusterView c = follow(id, t, v -> v.phase().equals("Ready") || GONE.contains(v.phase()), progress);
        if (!c.phase().equals("Ready")) {
            // The server cleans up after a failure; the API's cluster shape has the reason, not the failing error's code.
            throw new EphemeraException(ErrorCode.BACKEND, "cluster " + id + " did not become Ready: it is " + c.phase()
                    + c.failureReason().map(r -> " (" + r + ")").orElse(""));
        }
        return c;
    }

    @Override
    public ClusterView awaitDeleted(ClusterId id, Duration timeout, Consumer<ClusterView> progress) {
        return follow(id, timeout, v -> v.phase().equals("Deleted"), progress);
    }

    /**
     * Follows the cluster's events until {@code over} holds for it; reconnects when the stream drops
     * (the server starts each stream with the cluster as it is, so no change is missed). TIMEOUT at
     * the deadline, saying where the cluster is.
     */
    private ClusterView follow(ClusterId id, Duration timeout, Predicate<ClusterView> over, Consumer<ClusterView> progress) {
        Instant deadline = Instant.now().plus(timeout);
        AtomicReference<ClusterView> last = new AtomicReference<>();
        AtomicReference<ClusterView> done = new AtomicReference<>();
        Predicate<ServerSentEvents.Event> handler = e -> {
            if (!e.type().equals("cluster") && !e.type().equals("phase")) {
                return false;
            }
            ClusterView v;
            try {
                v = view(ApiClient.JSON.readTree(e.data()));
            } catch (IOException ex) {
                throw new EphemeraException(ErrorCode.BACKEND, "the server at " + api.target().base() + " sent an event that is not a cluster: "
                        + ex.getMessage());
            }
            ClusterView before = last.getAndSet(v);
            if (before == null || !before.phase().equals(v.phase())) {
                progress.accept(v);
            }
            if (over.test(v)) {
                done.set(v);
                return true;
            }
            return false;
        };
        Sleeper untilDeadline = d -> {
            Duration left = Duration.between(Instant.now(), deadline);
            api.sleeper().sleep(d.compareTo(left) < 0 ? d : left);
        };
        Retrier<Boolean> reconnects = Retrier.<Boolean>builder("cluster-events", RECONNECT)
                .retryOnResult(ended -> !ended && Instant.now().isBefore(deadline))
                .retryOnError(e -> e instanceof IOException && Instant.now().isBefore(deadline))
                .sleeper(untilDeadline).build();
        Retrier.Outcome<Boolean> o;
        try {
            o = reconnects.run(n -> api.follow(path(id) + "/events", deadline, handler));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while waiting for cluster " + id);
        }
        if (done.get() != null) {
            return done.get();
        }
        if (o.error().isPresent() && o.error().get() instanceof EphemeraException ee) {
            throw ee;
        }
        String where = last.get() == null ? "" : " is still " + last.get().phase() + " and";
        if (Instant.now().isBefore(deadline)) {
            Exception e = o.error().orElse(null);
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "lost the event stream of cluster " + id + " at " + api.target().base()
                    + (e == null ? "" : " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")") + "; the claim stands: run the same"
                    + " command again to keep waiting (state: ephemera cluster get " + id + ")", e);
        }
        throw EphemeraException.timeout("cluster " + id + where + " did not get there within " + DurationText.format(timeout)
                + "; the claim stands: run the same command again to keep waiting (state: ephemera cluster get " + id + ")");
    }

    @Override
    public List<ClusterView> list() {
        JsonNode all = api.call("GET", "/v1/clusters", Optional.empty());
        List<ClusterView> out = new java.util.ArrayList<>();
        all.forEach(n -> out.add(view(n)));
        return out;
    }

    @Override
    public ClusterView get(ClusterId id) {
        return view(api.call("GET", path(id), Optional.empty()));
    }

    @Override
    public Secret kubeconfig(ClusterId id) {
        try {
            return Secret.of(api.text(path(id) + "/kubeconfig"));
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.CONFLICT) {
                // The server says 409 for a cluster that is not Ready; locally that is "no kubeconfig yet" (exit 3), and so it is here.
                throw new EphemeraException(ErrorCode.NOT_FOUND, e.getMessage().replace("GET /v1/clusters/" + id + "?wait=Ready",
                        "ephemera cluster create " + id + " --wait"));
            }
            throw e;
        }
    }

    @Override
    public ClusterView release(ClusterId id) {
        return view(api.call("POST", path(id) + "/release", Optional.empty()));
    }

    @Override
    public ClusterView renew(ClusterId id) {
        return view(api.call("POST", path(id) + "/renew", Optional.empty()));
    }

    @Override
    public Optional<ClusterView> delete(ClusterId id) {
        try {
            return Optional.of(view(api.call("DELETE", path(id), Optional.empty())));
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
