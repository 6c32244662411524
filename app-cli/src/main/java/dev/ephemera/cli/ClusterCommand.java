package dev.ephemera.cli;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.Reaper;
import dev.ephemera.application.Reconciler;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
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
        subcommands = {ClusterCommand.Create.class, ClusterCommand.ListClusters.class, ClusterCommand.Get.class,
            ClusterCommand.Kubeconfig.class, ClusterCommand.Release.class, ClusterCommand.Delete.class, ClusterCommand.Reap.class, LoadImageCommand.class})
public final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static Map<String, Object> summary(Cluster c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id().value());
        m.put("phase", c.phase().displayName());
        m.put("backend", c.backend());
        m.put("owner", c.owner().map(Object::toString).orElse(""));
        m.put("endpoint", c.endpoint().map(e -> e.apiUrl().toString()).orElse(""));
        m.put("address", c.lease().map(l -> l.address()).orElse(""));
        m.put("expiresAt", c.expiresAt().toString());
        return m;
    }

    @Command(name = "list", description = "List clusters, ordered by id.")
    static final class ListClusters extends BaseCommand {
        @Override
        protected int run(CliContext ctx) {
            ctx.render(ctx.ephemera().get(Clusters.class).list().stream().map(ClusterCommand::summary).toList());
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", description = "Show one cluster: phase, endpoint, lease, timestamps and timeline.")
    static final class Get extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run(CliContext ctx) {
            Cluster c = ctx.ephemera().get(Clusters.class).get(ClusterId.of(id));
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.render(summary(c));
                ctx.out().println("timeline:");
                c.timeline().forEach(e -> ctx.out().println("  " + e.at() + "  " + e.phase().displayName() + "  " + e.message()));
                ctx.out().flush();
            } else {
                ctx.render(c);
            }
            return ExitCodes.OK;
        }
    }

    /** Prints one line per phase change on a terminal: the phase-by-phase progress of a long wait. */
    static void progress(CliContext ctx, Cluster c) {
        String last = c.timeline().isEmpty() ? "" : c.timeline().get(c.timeline().size() - 1).message();
        ctx.progress(String.format("%-13s %s", c.phase().displayName(), last));
    }

    /** Steps the cluster until it settles or the deadline passes; an outcome the user wanted not is an error. */
    static Cluster await(CliContext ctx, ClusterId id, Duration timeout) {
        return await(ctx, id, timeout, e -> { });
    }

    static Cluster await(CliContext ctx, ClusterId id, Duration timeout, java.util.function.Consumer<EphemeraException> onFailure) {
        Reconciler r = ctx.ephemera().get(Reconciler.class);
        crashHook(ctx).ifPresent(r::setStepHook);
        return r.runUntilSettled(id, Instant.now().plus(timeout), c -> progress(ctx, c), onFailure);
    }

    /**
     * Test hook for crash-safety tests: with {@code EPHEMERA_TEST_HALT_AFTER_SAVES=N} the process
     * dies (exit 137, no cleanup, like {@code kill -9}) right after the reconciler's N-th saved step.
     */
    static Optional<Reconciler.StepHook> crashHook(CliContext ctx) {
        String n = ctx.env().get("EPHEMERA_TEST_HALT_AFTER_SAVES");
        if (n == null || n.isBlank()) {
            return Optional.empty();
        }
        int limit = Integer.parseInt(n.trim());
        int[] saves = {0};
        return Optional.of(saved -> {
            if (++saves[0] == limit) {
                ctx.err().println("EPHEMERA_TEST_HALT_AFTER_SAVES: halting after save " + limit + " (" + saved.phase().displayName() + ")");
                ctx.err().flush();
                Runtime.getRuntime().halt(137);
            }
        });
    }

    @Command(name = "create", description = {"Claim a cluster and (with --wait) drive it to Ready: lease, PKI, create, wait for the API server,",
        "CI service account and token, kubeconfig, push to every sink. Claiming an existing id returns that cluster."})
    static final class Create extends BaseCommand {
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

        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long --wait waits (default: policies.provisioning-timeout).")
        String timeout;

        @Option(names = "--kubeconfig-out", paramLabel = "FILE", description = "Write the CI kubeconfig here (0600) once Ready; implies --wait.")
        Path kubeconfigOut;

        @Option(names = "--keep-on-failure", description = "Keep a failed cluster for debugging instead of deleting it.")
        boolean keepOnFailure;

        @Override
        protected int run(CliContext ctx) throws IOException {
            ClusterId cid = ClusterId.of(id);
            List<SinkTarget> targets = push.stream().map(SinkTarget::parse).toList();
            ClusterSpec spec = new ClusterSpec(Optional.ofNullable(kubernetesVersion), Optional.ofNullable(size), Optional.ofNullable(location),
                    Map.of(), List.of());
            String backendName = backend != null ? backend : ctx.ephemera().config().defaultBackend();
            ctx.ephemera().backend(backendName); // fail fast on an unknown or misconfigured backend, before anything is recorded
            Cluster c = ctx.ephemera().get(Clusters.class).claim(new ClaimRequest(cid, Optional.ofNullable(owner).map(Owner::parse), backendName, spec,
                    Optional.ofNullable(ttl).map(DurationText::parse), targets, keepOnFailure));
            if (await || kubeconfigOut != null) {
                Duration t = timeout != null ? DurationText.parse(timeout) : ctx.ephemera().config().policies().provisioningTimeout();
                java.util.concurrent.atomic.AtomicReference<EphemeraException> cause = new java.util.concurrent.atomic.AtomicReference<>();
                c = await(ctx, cid, t, cause::set);
                if (c.phase() != Phase.READY) {
                    // The exit code says why: the error that failed the claim (e.g. 11 for a cloud limit), else a backend failure.
                    ErrorCode code = cause.get() != null ? cause.get().code()
                            : c.phase() == Phase.DELETED || c.phase() == Phase.FAILED ? ErrorCode.BACKEND : ErrorCode.CONFLICT;
                    throw new EphemeraException(code,
                            "cluster " + cid + " did not become Ready: it is " + c.phase().displayName()
                                    + c.failureReason().map(r -> " (" + r + ")").orElse(""));
                }
                if (kubeconfigOut != null) {
                    writePrivate(kubeconfigOut, ctx.ephemera().get(Clusters.class).kubeconfig(cid));
                }
            }
            ctx.render(summary(c));
            return ExitCodes.OK;
        }
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
    static final class Kubeconfig extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--out", paramLabel = "FILE")
        Path out;

        @Override
        protected int run(CliContext ctx) throws IOException {
            Secret k = ctx.ephemera().get(Clusters.class).kubeconfig(ClusterId.of(id));
            if (out != null) {
                writePrivate(out, k);
            } else {
                ctx.out().print(k.reveal());
                ctx.out().flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "release", description = "The owner let go (PR closed): a Ready cluster is deleted after the grace period unless claimed again.")
    static final class Release extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        protected int run(CliContext ctx) {
            ctx.render(summary(ctx.ephemera().get(Clusters.class).release(ClusterId.of(id))));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a cluster: backend resources, lease and pushed secrets. Idempotent.")
    static final class Delete extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--wait", description = "Wait until everything is gone.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long --wait waits (default 15m).")
        String timeout;

        @Override
        protected int run(CliContext ctx) {
            ClusterId cid = ClusterId.of(id);
            Cluster c = ctx.ephemera().get(Clusters.class).delete(cid);
            if (await) {
                c = await(ctx, cid, timeout != null ? DurationText.parse(timeout) : Duration.ofMinutes(15));
            }
            ctx.render(summary(c));
            return ExitCodes.OK;
        }
    }

    @Command(name = "reap", description = {"One sweep of the reaper: delete clusters past their lifetime or grace period, failed or stuck ones,",
        "and (with --orphans) resources a backend owns that no live cluster claims."})
    static final class Reap extends BaseCommand {
        @Option(names = "--orphans", paramLabel = "BACKEND", split = ",", description = "Backends to scan for orphaned resources.")
        List<String> orphans = new ArrayList<>();

        @Override
        protected int run(CliContext ctx) {
            Reaper.Sweep s = ctx.ephemera().get(Reaper.class).sweep(orphans);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("markedForDeletion", s.markedForDeletion());
            m.put("deleted", s.deleted());
            m.put("orphansDestroyed", s.orphansDestroyed().stream().map(r -> r.kind() + "/" + r.id()).toList());
            ctx.render(m);
            return ExitCodes.OK;
        }
    }
}
