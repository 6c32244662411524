package dev.ephemera.cli;

import dev.ephemera.application.Reconciler;
import dev.ephemera.application.warmpool.WarmPoolStatus;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ephemera warm-pool …}: the warm pools of {@code warm-pools:} (docs/warm-pools.md). A claim
 * takes a member with {@code ephemera cluster create ID --from-pool NAME}; a running server keeps
 * the pools filled by itself, {@code fill} does it once from here.
 */
@Command(name = "warm-pool", description = {"Show and fill warm pools: Ready clusters kept per pool for claims that must not wait.",
    "Pools are configured under warm-pools: in ephemera.yaml; claim a member with: ephemera cluster create ID --from-pool NAME."},
        // No `subcommands` here: they are VERBS below, registered by EphemeraCli (all, or only the one a line runs).
        subcommands = {})
public final class WarmPoolCommand implements Runnable {
    /** The verbs by name, in the order {@code ephemera warm-pool --help} lists them (see {@link EphemeraCommand#GROUPS}). */
    static final java.util.Map<String, Class<?>> VERBS = EphemeraCommand.named(
            "list", ListPools.class,
            "show", Show.class,
            "fill", Fill.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static Map<String, Object> row(WarmPoolStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", s.name());
        m.put("backend", s.backend());
        m.put("size", s.wanted());
        m.put("ready", s.ready());
        m.put("hibernated", s.hibernated());
        m.put("provisioning", s.provisioning());
        m.put("claimed", s.claimed());
        m.put("whenEmpty", s.whenEmpty());
        return m;
    }

    @Command(name = "list", description = "List the configured warm pools with how many members are ready, asleep, coming up and claimed.")
    static final class ListPools extends BaseCommand {
        @Override
        protected int run(CliContext ctx) {
            List<WarmPoolStatus> all = ctx.ephemera().get(WarmPools.class).list();
            ctx.render(ctx.output() == OutputFormat.TABLE ? all.stream().map(WarmPoolCommand::row).toList() : all);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show one warm pool: its settings and every member with its phase and claim.")
    static final class Show extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The pool, as named under warm-pools:.")
        String name;

        @Override
        protected int run(CliContext ctx) {
            WarmPoolStatus s = ctx.ephemera().get(WarmPools.class).status(name);
            if (ctx.output() != OutputFormat.TABLE) {
                ctx.render(s);
                return ExitCodes.OK;
            }
            Map<String, Object> m = row(s);
            m.put("maxSize", s.maxSize());
            m.put("maxConcurrent", s.maxConcurrent());
            m.put("claimLifetime", s.claimLifetime() + " (maximum " + s.claimLifetimeMaximum() + ")");
            m.put("hibernateAfter", s.hibernateAfter().orElse("never"));
            m.put("resumeTimeout", s.resumeTimeout());
            s.refill().ifPresent(r -> m.put("refill", r));
            ctx.render(m);
            List<Map<String, Object>> members = new ArrayList<>();
            for (WarmPoolStatus.Member x : s.members()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("member", x.id());
                r.put("phase", x.phase() + (x.hibernated() ? " (hibernated)" : ""));
                r.put("claimedAs", x.claimedAs().orElse(""));
                members.add(r);
            }
            ctx.out().println();
            ctx.render(members);
            return ExitCodes.OK;
        }
    }

    @Command(name = "fill", description = {"Top up every warm pool once (a running server does this by itself), and hibernate idle members.",
        "With --wait, drive the new members to Ready from here."})
    static final class Fill extends BaseCommand {
        @Option(names = "--wait", description = "Drive each new member to Ready, showing each phase.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long --wait waits for each member (default: policies.provisioning-timeout).")
        String timeout;

        @Override
        protected int run(CliContext ctx) {
            Duration t = timeout == null ? null : ClusterCommand.positive("--timeout", timeout);
            WarmPools pools = ctx.ephemera().get(WarmPools.class);
            if (pools.pools().isEmpty()) {
                throw EphemeraException.notFound("no warm pool is configured; add one under warm-pools: in ephemera.yaml (docs/warm-pools.md)");
            }
            pools.requireUsable(); // a pool on a backend that is not installed, or hibernating where it cannot, is refused first
            WarmPools.Tick tick = pools.tick();
            List<String> failed = new ArrayList<>();
            if (await) {
                Reconciler r = ctx.ephemera().get(Reconciler.class);
                Duration each = t != null ? t : ctx.ephemera().config().policies().provisioningTimeout();
                for (ClusterId id : tick.created()) {
                    Cluster c = r.runUntilSettled(id, Instant.now().plus(each), x -> ctx.progress(x.id() + ": " + x.phase().displayName()));
                    if (c.phase() != Phase.READY) {
                        failed.add(id + " (" + c.phase().displayName() + c.failureReason().map(f -> ": " + f).orElse("") + ")");
                    }
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("created", tick.created().stream().map(ClusterId::value).toList());
            m.put("hibernated", tick.hibernated().stream().map(ClusterId::value).toList());
            m.put("blocked", tick.blocked());
            ctx.render(m);
            if (!failed.isEmpty()) {
                throw new EphemeraException(ErrorCode.BACKEND, "warm pool member(s) did not become Ready: " + String.join(", ", failed)
                        + "; see each with: ephemera cluster get ID");
            }
            return ExitCodes.OK;
        }
    }
}
