package dev.ephemera.server.api;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterView;
import dev.ephemera.application.Clusters;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.state.ClusterRepository;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code /v1/clusters}: claim, list, get (optionally waiting for a phase), follow as events,
 * kubeconfig, release, delete and renew. Every answer is a cluster in its one shape,
 * {@link ClusterView}. The server's driver steps claimed clusters; this class only records.
 */
public final class ClustersApi {
    /** Name of the credential that remembers which API token made a claim. */
    static final String CLAIMED_BY = "api/claimed-by";

    private final Blocking blocking;
    private final Ephemera ephemera;
    private final Consumer<ClusterId> kick;

    /**
     * @param kick told the id of every cluster claimed, released or deleted, so the driver steps it now
     */
    public ClustersApi(Blocking blocking, Ephemera ephemera, Consumer<ClusterId> kick) {
        this.blocking = blocking;
        this.ephemera = ephemera;
        this.kick = kick;
    }

    public void mount(Router router, String prefix, ApiAuth auth) {
        router.post(prefix + "/clusters").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::claim));
        router.get(prefix + "/clusters").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::list));
        router.get(prefix + "/clusters/:id").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::get));
        router.get(prefix + "/clusters/:id/kubeconfig").handler(auth.require(Scope.READ)).handler(Blocking.safe(this::kubeconfig));
        router.post(prefix + "/clusters/:id/release").handler(auth.require(Scope.CLAIM)).handler(Blocking.safe(this::release));
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
            String backend = body.backend().orElse(ephemera.config().defaultBackend());
            requireKnown(backend, body);
            ephemera.backend(backend); // a misconfigured backend fails here, before anything is recorded
            ClaimRequest request = new ClaimRequest(body.id(), body.owner(), backend, body.spec(), body.ttl(), body.pushTo(), body.keepOnFailure());
            Outcome o = submit(request);
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

    private record Outcome(Cluster cluster, boolean created) {
    }

    private Outcome submit(ClaimRequest request) {
        boolean existed = ephemera.get(ClusterRepository.class).find(request.id()).filter(c -> c.phase().isLive()).isPresent();
        return new Outcome(clusters().claim(request), !existed);
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
        blocking.run(ctx, () -> ClusterView.of(clusters().get(id)), v -> ApiJson.send(ctx, 200, v));
    }

    private void kubeconfig(RoutingContext ctx) {
        ClusterId id = id(ctx);
        Caller caller = ApiAuth.caller(ctx);
        blocking.run(ctx, () -> {
            Cluster c = clusters().get(id);
            if (!caller.scope().includes(Scope.ADMIN)) {
                Optional<String> claimer = ephemera.get(ClusterRepository.class).credential(id, CLAIMED_BY).map(Secret::reveal);
                if (claimer.isEmpty() || !claimer.get().equals(caller.name())) {
                    throw new EphemeraException(ErrorCode.PERMISSION_DENIED, "the kubeconfig of cluster " + id + " is given only to the token that "
                            + "claimed it or an admin token; token '" + caller.name() + "' is neither");
                }
            }
            if (c.phase() != dev.ephemera.domain.cluster.Phase.READY) {
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

    private void delete(RoutingContext ctx) {
        ClusterId id = id(ctx);
        blocking.run(ctx, () -> clusters().delete(id), c -> {
            kick.accept(id);
            ApiJson.send(ctx, 200, ClusterView.of(c));
        });
    }
}
