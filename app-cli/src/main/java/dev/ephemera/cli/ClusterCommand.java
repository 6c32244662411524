package dev.ephemera.cli;

import dev.ephemera.application.ClusterView;
import dev.ephemera.application.Reaper;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ephemera cluster …}: clusters in the state store. */
@Command(name = "cluster", description = "Inspect and manage clusters.",
        // No `subcommands` here: they are VERBS below, registered by EphemeraCli (all, or only the one a line runs).
        subcommands = {})
public final class ClusterCommand implements Runnable {
    /** The verbs by name, in the order {@code ephemera cluster --help} lists them (see {@link EphemeraCommand#GROUPS}). */
    static final Map<String, Class<?>> VERBS = EphemeraCommand.named(
            "create", Create.class,
            "list", ListClusters.class,
            "get", Get.class,
            "kubeconfig", Kubeconfig.class,
            "release", Release.class,
            "renew", Renew.class,
            "delete", Delete.class,
            "reap", Reap.class,
            "load-image", LoadImageCommand.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** The table row of a cluster, from its one shape, so a local and a client-mode run print the same. */
    static Map<String, Object> summary(ClusterView c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("phase", c.phase());
        m.put("backend", c.backend());
        m.put("owner", c.owner().map(o -> o.repository() + o.pullRequest().map(n -> "#" + n).orElse("")).orElse(""));
        m.put("endpoint", c.endpoint().map(ClusterView.EndpointView::apiUrl).orElse(""));
        m.put("address", c.lease().map(ClusterView.LeaseView::address).orElse(""));
        m.put("expiresAt", c.expiresAt().toString());
        return m;
    }

    /** One cluster: the summary row as a table, else the one documented shape ({@link ClusterView}). */
    static void show(CliContext ctx, ClusterView c) {
        ctx.render(ctx.output() == OutputFormat.TABLE ? summary(c) : c);
    }

    /**
     * The cluster commands that work against a server too: with {@code --server} or
     * {@code $EPHEMERA_SERVER} they call its API ({@link RemoteClusterService}), else they open the
     * local store ({@link LocalClusterService}).
     */
    abstract static class ClientCommand extends BaseCommand {
        @picocli.CommandLine.Mixin
        ServerOptions server;

        @Override
        protected ClientMode clientMode() {
            return ClientMode.CLIENT;
        }
    }

    @Command(name = "list", description = "List clusters, ordered by id.")
    static final class ListClusters extends ClientCommand {
        @Override
        protected int run(CliContext ctx) {
            List<ClusterView> all = ctx.clusters().list();
            ctx.render(ctx.output() == OutputFormat.TABLE ? all.stream().map(ClusterCommand::summary).toList() : all);
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", description = "Show one cluster: phase, endpoint, lease, timestamps and timeline.")
    static final class Get extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run(CliContext ctx) {
            ClusterView c = ctx.clusters().get(ClusterId.of(id));
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.render(summary(c));
                ctx.out().println("timeline:");
                c.timeline().forEach(e -> ctx.out().println("  " + e.at() + "  " + e.phase() + "  " + e.message()));
                ctx.out().flush();
            } else {
                ctx.render(c);
            }
            return ExitCodes.OK;
        }
    }

    /** Prints one line per phase change on a terminal: the phase-by-phase progress of a long wait. */
    static void progress(CliContext ctx, ClusterView c) {
        String last = c.timeline().isEmpty() ? "" : c.timeline().get(c.timeline().size() - 1).message();
        ctx.progress(String.format("%-13s %s", c.phase(), last));
    }

    @Command(name = "create", description = {"Claim a cluster and, with --wait, drive it to Ready.",
        "The steps: lease, PKI, create, wait for the API server, CI service account and token, kubeconfig, push to every sink.",
        "Claiming an existing id returns that cluster (on the backend it was created on)."})
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "Cluster id: lowercase letters, digits and '-', at most 40 characters (e.g. pr-42-shop).")
        String id;

        @Option(names = "--backend", paramLabel = "NAME", description = "Backend (default: the configuration's `backend`).")
        String backend;

        @Option(names = "--owner", paramLabel = "OWNER/REPO[#PR]", description = "Repository and pull request the cluster is for.")
        String owner;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, at most policies.max-lifetime (default: that maximum), e.g. 3d.")
        String ttl;

        @Option(names = "--size", paramLabel = "SIZE", description = "Backend-specific size, e.g. a Hetzner server type.")
        String size;

        @Option(names = "--location", paramLabel = "LOCATION", description = "Backend-specific location, e.g. fsn1.")
        String location;

        @Option(names = "--kubernetes-version", paramLabel = "VERSION", description = "Kubernetes (K3s) version, e.g. v1.31.4+k3s1.")
        String kubernetesVersion;

        @Option(names = "--push", paramLabel = "SINK:SCOPE:NAME", description = "Where to push the kubeconfig, e.g. github:acme/shop:E2E_KUBECONFIG (repeatable).")
        List<String> push = new ArrayList<>();

        @Option(names = "--wait", description = "Wait until the cluster is Ready (or has failed), showing each phase.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long --wait waits (default: policies.provisioning-timeout; 15m against a server).")
        String timeout;

        @Option(names = "--kubeconfig-out", paramLabel = "FILE", description = "Write the CI kubeconfig here (0600) once Ready; implies --wait.")
        Path kubeconfigOut;

        @Option(names = "--keep-on-failure", description = "Keep a failed cluster for debugging instead of deleting it.")
        boolean keepOnFailure;

        @Option(names = "--load-image", paramLabel = "IMAGE", description = {"Load this image of the local Docker engine into the nodes "
            + "before the cluster is Ready (repeatable; local backends: docker, kind).", "Exit 3 when the engine lacks it."})
        List<String> loadImages = new ArrayList<>();

        @Option(names = "--heartbeat", paramLabel = "DURATION", description = {"Let the cluster go unless renewed (cluster renew) within this time, e.g. 10m.",
            "Enforced by a running ephemera server."})
        String heartbeat;

        @Option(names = "--from-pool", paramLabel = "POOL", description = {"Take a Ready member of this warm pool (docs/warm-pools.md), aliased to ID,"
            + " with a fresh CI token; backend and spec come from the pool."})
        String fromPool;

        @Override
        protected int run(CliContext ctx) throws IOException {
            // Every input is checked first: a typo is exit 2, before any configuration or backend is looked at.
            ClusterId cid = ClusterId.of(id);
            Optional<Owner> ownerValue = Optional.ofNullable(owner).map(Owner::parse);
            Optional<Duration> ttlValue = Optional.ofNullable(ttl).map(t -> positive("--ttl", t));
            Optional<Duration> timeoutValue = Optional.ofNullable(timeout).map(t -> positive("--timeout", t));
            Optional<Duration> heartbeatValue = Optional.ofNullable(heartbeat).map(t -> positive("--heartbeat", t));
            List<SinkTarget> targets = push.stream().map(SinkTarget::parse).toList();
            ClusterSpec spec = new ClusterSpec(Optional.ofNullable(kubernetesVersion), Optional.ofNullable(size), Optional.ofNullable(location),
                    Map.of(), List.of()).withLoadImages(loadImages);
            ClusterService clusters = ctx.clusters();
            // An ordinary claim unless it names (--from-pool) or matches a warm pool; then the answer is the member it took.
            ClusterView c = clusters.claim(new ClusterService.Claim(cid, Optional.ofNullable(backend), ownerValue, ttlValue, spec, targets,
                    keepOnFailure, heartbeatValue, Optional.ofNullable(fromPool)));
            if (await || kubeconfigOut != null) {
                c = clusters.awaitReady(ClusterId.of(c.id()), timeoutValue, v -> progress(ctx, v));
                if (kubeconfigOut != null) {
                    writePrivate(kubeconfigOut, clusters.kubeconfig(cid));
                }
            }
            show(ctx, c);
            return ExitCodes.OK;
        }
    }

    /** A duration flag that must be more than zero. */
    static Duration positive(String flag, String text) {
        Duration d = DurationText.parse(text);
        if (d.isZero() || d.isNegative()) {
            throw EphemeraException.invalid(flag + " must be a positive duration, e.g. 3d, 1h or 30m; got '" + text + "'");
        }
        return d;
    }

    /** Writes a secret to a file that is 0600 from its first byte, replacing any old one atomically. */
    static void writePrivate(Path target, Secret value) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".kubeconfig", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, value.revealBytes());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Command(name = "kubeconfig", description = "Print the CI kubeconfig of a Ready cluster (or write it with --out, 0600).")
    static final class Kubeconfig extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--out", paramLabel = "FILE")
        Path out;

        @Override
        protected int run(CliContext ctx) throws IOException {
            Secret k = ctx.clusters().kubeconfig(ClusterId.of(id));
            if (out != null) {
                writePrivate(out, k);
            } else {
                KubeconfigCommand.print(ctx, k);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "renew", description = {"Renew the heartbeat of a cluster claimed with --heartbeat, so it is not let go.",
        "A cluster in its grace period comes back to Ready."})
    static final class Renew extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run(CliContext ctx) {
            show(ctx, ctx.clusters().renew(ClusterId.of(id)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "release", description = "The owner let go (PR closed): a Ready cluster is deleted after the grace period unless claimed again.")
    static final class Release extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run(CliContext ctx) {
            show(ctx, ctx.clusters().release(ClusterId.of(id)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = {"Delete a cluster: backend resources, lease and pushed secrets. Idempotent.",
        "An id that was never claimed is not an error: there is nothing to delete (exit 0).",
        "--force ends a deletion that is stuck, once the backend confirms nothing of the cluster is left."})
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--wait", description = "Wait until everything is gone.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long --wait waits (default 15m).")
        String timeout;

        @Option(names = "--force", description = {"End a record stuck in Deleting: asks the backend for what is left of the cluster;",
            "if nothing is, removes lease and secrets and marks it Deleted, else lists what is left (exit 4)."})
        boolean force;

        @Override
        protected int run(CliContext ctx) {
            ClusterId cid = ClusterId.of(id);
            Optional<Duration> timeoutValue = Optional.ofNullable(timeout).map(t -> positive("--timeout", t));
            if (force && ctx.server().isPresent()) {
                throw EphemeraException.invalid("--force cannot run against a server (" + ctx.server().get().target().base() + "): it asks the"
                        + " backend directly, with its credentials. Run it without --server, where the configuration and the store are");
            }
            ClusterService clusters = ctx.clusters();
            Optional<ClusterView> deleting = force ? ((LocalClusterService) clusters).forceDelete(cid) : clusters.delete(cid);
            if (deleting.isEmpty()) {
                // CI cleanup runs delete unconditionally: an id never claimed (or already gone) is nothing to do.
                if (ctx.output() == OutputFormat.TABLE) {
                    ctx.out().println("nothing to delete: there is no cluster " + cid);
                    ctx.out().flush();
                } else {
                    ctx.err().println("nothing to delete: there is no cluster " + cid);
                    ctx.err().flush();
                    ctx.render(null); // no cluster: json `null`, yaml `null`
                }
                return ExitCodes.OK;
            }
            ClusterView c = deleting.get();
            if (await && !force) {
                c = clusters.awaitDeleted(cid, timeoutValue.orElse(Duration.ofMinutes(15)), v -> progress(ctx, v));
            }
            show(ctx, c);
            return ExitCodes.OK;
        }
    }

    @Command(name = "reap", description = {"Run one sweep of the reaper.",
        "It deletes clusters past their lifetime or grace period, failed or stuck ones,",
        "and (with --orphans) resources a backend owns that no live cluster claims."})
    static final class Reap extends BaseCommand {
        @picocli.CommandLine.Mixin
        ServerOptions.Refused server;

        @Override
        protected ClientMode clientMode() {
            return ClientMode.LOCAL_ONLY;
        }

        @Override
        protected String localReason() {
            return " (a running server reaps on its own schedule, server.reap-interval)";
        }

        @Option(names = "--orphans", paramLabel = "BACKEND", split = ",", description = "Backends to scan for orphaned resources.")
        List<String> orphans = new ArrayList<>();

        /**
         * Exit 0 when every deletion it tried succeeded; 7 (all failures unavailable) or 8 otherwise,
         * with the failures listed. Unknown {@code --orphans} backends are refused (10) before the sweep.
         */
        @Override
        protected int run(CliContext ctx) {
            Reaper reaper = ctx.ephemera().get(Reaper.class);
            reaper.requireKnownBackends(orphans);
            Reaper.Sweep s = reaper.sweep(orphans);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("markedForDeletion", s.markedForDeletion());
            m.put("deleted", s.deleted());
            m.put("orphansDestroyed", s.orphansDestroyed().stream().map(r -> r.kind() + "/" + r.id()).toList());
            m.put("failures", s.failures().stream().map(f -> {
                Map<String, Object> each = new LinkedHashMap<>();
                each.put("subject", f.subject());
                each.put("code", f.code().name());
                each.put("reason", f.reason());
                return each;
            }).toList());
            ctx.render(m);
            if (s.failures().isEmpty()) {
                return ExitCodes.OK;
            }
            return s.failures().stream().allMatch(f -> ExitCodes.of(f.code()) == ExitCodes.UNAVAILABLE) ? ExitCodes.UNAVAILABLE : ExitCodes.BACKEND;
        }
    }
}
