package dev.ephemera.server;

import dev.ephemera.application.ClaimOutcome;
import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.ClusterView;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.state.ClusterRepository;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code /v1/clusters}: claim, list, get (optionally waiting for a phase), follow as events,
 * kubeconfig, release, delete and renew. Every answer is a cluster in its one shape,
 * {@link ClusterView}. The server's driver steps claimed clusters; this class only records.
 */
public final class ClustersApi {
    /** Name of the credential that remembers which API token made a claim. */
    static final String CLAIMED_BY = "api/claimed-by";
    /** How long {@code ?wait=} waits without {@code timeout}, and the longest it may wait. */
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofHours(1);
    /** How often an event stream sends a comment line, so proxies do not close an idle stream. */
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    /** Phases a cluster on its way up cannot leave again for Ready: a wait for an earlier phase ends there. */
    private static final Set<Phase> GONE = EnumSet.of(Phase.FAILED, Phase.DELETING, Phase.DELETED);

    private final Vertx vertx;
    private final Blocking blocking;
    private final Ephemera ephemera;
    private final Consumer<ClusterId> kick;

    /**
     * @param kick told the id of every cluster claimed, released, renewed or deleted, so the driver steps it now
     */
    public ClustersApi(Vertx vertx, Blocking blocking, Ephemera ephemera, Consumer<ClusterId> kick) {
        this.vertx = vertx;
        this.blocking = blocking;
        this.ephemera = ephemera;
        this.kick = kick;
    }

    public void mount(Router router, String prefix, ApiAuth auth) {
        router.post(prefix + "/clusters").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::claim));
        router.get(prefix + "/clusters").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::list));
        router.get(prefix + "/clusters/:id").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::get));
        router.get(prefix + "/clusters/:id/events").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::events));
        router.get(prefix + "/clusters/:id/kubeconfig").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::kubeconfig));
        router.post(prefix + "/clusters/:id/release").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::release));
        router.post(prefix + "/clusters/:id/renew").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::renew));
        router.delete(prefix + "/clusters/:id").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::delete));
    }

    private Clusters clusters() {
        return ephemera.get(Clusters.class);
    }

    private static ClusterId id(RoutingContext ctx) {
        return ClusterId.of(ctx.pathParam("id"));
    }

    private void claim(RoutingContext ctx) {
        ClaimBody body = ClaimBody.parse(ApiJson.body(ctx, ClaimBody.FIELDS, false));
        Caller caller = ApiAuth.caller(ctx);
        blocking.run(ctx, () -> {
            WarmPools warm = ephemera.get(WarmPools.class);
            String backend = body.backend().orElseGet(() -> body.fromPool().map(p -> warm.pool(p).backend())
                    .orElse(ephemera.config().defaultBackend()));
            requireKnown(backend, body);
            ephemera.backend(backend); // a misconfigured backend fails here, before anything is recorded
            ClaimRequest request = new ClaimRequest(body.id(), body.owner(), backend, body.spec(), body.ttl(), body.pushTo(),
                    body.keepOnFailure(), body.heartbeat(), body.queue());
            ClaimOutcome o = warm.submit(request, body.fromPool()); // an ordinary claim unless it names or matches a warm pool
            if (o.created()) {
                ephemera.get(ClusterRepository.class).putCredential(o.cluster().id(), CLAIMED_BY, Secret.of(caller.name()));
            }
            return o;
        }, o -> {
            kick.accept(o.cluster().id());
            ctx.response().putHeader("Location", ctx.request().path().replaceAll("/+$", "") + "/" + o.cluster().id());
            ApiJson.send(ctx, o.created() ? 201 : 200, ClusterView.of(o.cluster()));
        });
    }

    private void requireKnown(String backend, ClaimBody body) {
        java.util.Set<String> backends = ephemera.get(ClusterBackends.class).names();
        if (!backends.contains(backend)) {
            throw EphemeraException.invalid("backend '" + backend + "' is unknown; known backends: " + String.join(", ", new TreeSet<>(backends)));
        }
        java.util.Set<String> sinks = ephemera.get(SecretSinks.class).names();
        for (SinkTarget t : body.pushTo()) {
            if (!sinks.contains(t.sink())) {
                throw EphemeraException.invalid("push target " + t + " names sink '" + t.sink() + "', which is unknown; known sinks: "
                        + String.join(", ", new TreeSet<>(sinks)));
            }
        }
    }

    private void list(RoutingContext ctx) {
        blocking.run(ctx, () -> clusters().list().stream().map(ClusterView::of).toList(), v -> ApiJson.send(ctx, 200, v));
    }

    private void get(RoutingContext ctx) {
        ClusterId id = id(ctx);
        Optional<String> wait = Optional.ofNullable(ctx.queryParams().get("wait"));
        Optional<String> timeoutText = Optional.ofNullable(ctx.queryParams().get("timeout"));
        if (wait.isEmpty()) {
            if (timeoutText.isPresent()) {
                throw EphemeraException.invalid("timeout is for ?wait=PHASE; without wait the cluster is returned at once");
            }
            blocking.run(ctx, () -> ClusterView.of(clusters().get(id)), v -> ApiJson.send(ctx, 200, v));
            return;
        }
        Phase target = phase(wait.get());
        Duration timeout = timeoutText.map(ClustersApi::waitTimeout).orElse(DEFAULT_WAIT);
        longPoll(ctx, id, target, timeout);
    }

    private static Phase phase(String text) {
        for (Phase p : Phase.values()) {
            if (p.displayName().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        List<String> names = new ArrayList<>();
        for (Phase p : Phase.values()) {
            names.add(p.displayName());
        }
        throw EphemeraException.invalid("wait=" + text + " is not a phase; use one of " + String.join(", ", names));
    }

    private static Duration waitTimeout(String text) {
        Duration d;
        try {
            d = DurationText.parse(text);
        } catch (EphemeraException e) {
            throw EphemeraException.invalid("timeout: " + e.getMessage());
        }
        if (d.isZero() || d.isNegative() || d.compareTo(MAX_WAIT) > 0) {
            throw EphemeraException.invalid("timeout must be positive and at most " + DurationText.format(MAX_WAIT) + ", got " + text);
        }
        return d;
    }

    /** True when a wait for {@code target} is over: the cluster is there, or can no longer get there. */
    static boolean waitIsOver(Cluster c, Phase target) {
        if (c.phase() == target || c.phase() == Phase.DELETED) {
            return true;
        }
        return GONE.contains(c.phase()) && !GONE.contains(target);
    }

    /**
     * {@code ?wait=PHASE}: subscribes to phase changes first, then reads the record, so no change
     * falls between the two; answers when the wait is over or the timeout (a timer, no thread held)
     * runs out, and forgets the subscription when the client goes away.
     */
    private void longPoll(RoutingContext ctx, ClusterId id, Phase target, Duration timeout) {
        Context context = vertx.getOrCreateContext();
        AtomicBoolean done = new AtomicBoolean();
        List<Runnable> cleanup = new ArrayList<>();
        Runnable finish = () -> cleanup.forEach(Runnable::run);
        Consumer<Cluster> answer = c -> {
            if (done.compareAndSet(false, true)) {
                finish.run();
                ApiJson.send(ctx, 200, ClusterView.of(c));
            }
        };
        AutoCloseable sub = ephemera.get(ClusterEvents.class).subscribe(change -> {
            if (change.cluster().id().equals(id) && waitIsOver(change.cluster(), target)) {
                context.runOnContext(v -> answer.accept(change.cluster()));
            }
        });
        cleanup.add(() -> close(sub));
        long timer = vertx.setTimer(timeout.toMillis(), t -> {
            if (done.compareAndSet(false, true)) {
                finish.run();
                blocking.run(ctx, () -> clusters().get(id), c -> Problems.send(ctx, new EphemeraException(ErrorCode.TIMEOUT, "cluster " + id
                        + " is " + c.phase().displayName() + ", not " + target.displayName() + ", after waiting " + DurationText.format(timeout)
                        + "; the claim stands: wait again with the same request")));
            }
        });
        cleanup.add(() -> vertx.cancelTimer(timer));
        ctx.response().closeHandler(v -> {
            if (done.compareAndSet(false, true)) {
                finish.run();
            }
        });
        vertx.executeBlocking(() -> clusters().get(id), false).onComplete(ar -> {
            if (ar.failed()) {
                if (done.compareAndSet(false, true)) {
                    finish.run();
                    Blocking.fail(ctx, ar.cause());
                }
            } else if (waitIsOver(ar.result(), target)) {
                answer.accept(ar.result());
            }
        });
    }

    /**
     * {@code GET /v1/clusters/{id}/events}: Server-Sent Events. One {@code cluster} event with the
     * record as it is, then one {@code phase} event per phase change, until Deleted; a comment line
     * every {@link #KEEPALIVE}. No thread is held: events arrive from {@link ClusterEvents}.
     */
    private void events(RoutingContext ctx) {
        ClusterId id = id(ctx);
        Context context = vertx.getOrCreateContext();
        HttpServerResponse response = ctx.response();
        List<Runnable> cleanup = new ArrayList<>();
        AtomicBoolean closed = new AtomicBoolean();
        Runnable finish = () -> {
            if (closed.compareAndSet(false, true)) {
                cleanup.forEach(Runnable::run);
            }
        };
        // Changes heard before the first event is written wait here; afterwards they are written at once.
        List<Cluster> early = new ArrayList<>();
        long[] sentVersion = {-1};
        Consumer<Cluster> write = c -> {
            if (closed.get() || c.version() <= sentVersion[0] && c.phase() != Phase.DELETED) {
                return;
            }
            sentVersion[0] = Math.max(sentVersion[0], c.version());
            response.write("event: phase\nid: " + c.version() + "\ndata: " + ApiJson.write(ClusterView.of(c)) + "\n\n");
            if (c.phase() == Phase.DELETED) {
                finish.run();
                response.end();
            }
        };
        AutoCloseable sub = ephemera.get(ClusterEvents.class).subscribe(change -> {
            if (change.cluster().id().equals(id)) {
                context.runOnContext(v -> {
                    if (sentVersion[0] < 0) {
                        early.add(change.cluster());
                    } else {
                        write.accept(change.cluster());
                    }
                });
            }
        });
        cleanup.add(() -> close(sub));
        response.closeHandler(v -> finish.run());
        vertx.executeBlocking(() -> clusters().get(id), false).onComplete(ar -> {
            if (ar.failed()) {
                finish.run();
                Blocking.fail(ctx, ar.cause());
                return;
            }
            if (closed.get()) {
                return;
            }
            Cluster c = ar.result();
            response.setChunked(true).setStatusCode(200).putHeader("content-type", "text/event-stream")
                    .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no");
            sentVersion[0] = c.version();
            response.write("event: cluster\nid: " + c.version() + "\ndata: " + ApiJson.write(ClusterView.of(c)) + "\n\n");
            long keepalive = vertx.setPeriodic(KEEPALIVE.toMillis(), t -> response.write(": keepalive\n\n"));
            cleanup.add(() -> vertx.cancelTimer(keepalive));
            if (c.phase() == Phase.DELETED) {
                finish.run();
                response.end();
                return;
            }
            early.forEach(write);
            early.clear();
        });
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // unsubscribing cannot fail in a way worth reporting
        }
    }

    private void kubeconfig(RoutingContext ctx) {
        ClusterId id = id(ctx);
        Caller caller = ApiAuth.caller(ctx);
        blocking.run(ctx, () -> {
            Cluster c = clusters().get(id);
            if (!caller.scope().includes(Scope.ADMIN)) {
                Optional<String> claimer = ephemera.get(ClusterRepository.class).credential(c.id(), CLAIMED_BY).map(Secret::reveal);
                if (claimer.isEmpty() || !claimer.get().equals(caller.name())) {
                    throw new EphemeraException(ErrorCode.PERMISSION_DENIED, "the kubeconfig of cluster " + id + " is given only to the token that "
                            + "claimed it or an admin token; token '" + caller.name() + "' is neither");
                }
            }
            if (c.phase() != Phase.READY) {
                throw new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + " is " + c.phase().displayName()
                        + "; its kubeconfig is given out only while it is Ready (wait with GET /v1/clusters/" + id + "?wait=Ready)");
            }
            return clusters().kubeconfig(id);
        }, kc -> ctx.response().setStatusCode(200).putHeader("content-type", "application/yaml")
                .putHeader("Cache-Control", "no-store").end(kc.reveal()));
    }

    private void release(RoutingContext ctx) {
        ClusterId id = id(ctx);
        blocking.run(ctx, () -> clusters().release(id), c -> {
            kick.accept(id);
            ApiJson.send(ctx, 200, ClusterView.of(c));
        });
    }

    private void renew(RoutingContext ctx) {
        ClusterId id = id(ctx);
        blocking.run(ctx, () -> clusters().renew(id), c -> {
            kick.accept(id);
            ApiJson.send(ctx, 200, ClusterView.of(c));
        });
    }

    private void delete(RoutingContext ctx) {
        ClusterId id = id(ctx);
        blocking.run(ctx, () -> clusters().delete(id), c -> {
            kick.accept(id);
            ApiJson.send(ctx, 200, ClusterView.of(c));
        });
    }
}
