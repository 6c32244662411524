package dev.ephemera.cli;

import dev.ephemera.application.Clusters;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ephemera cluster …}: clusters in the state store. */
@Command(name = "cluster", description = "Inspect and manage clusters.",
        subcommands = {ClusterCommand.ListClusters.class, ClusterCommand.Get.class})
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
}
