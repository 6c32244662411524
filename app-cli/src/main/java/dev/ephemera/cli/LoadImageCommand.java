package dev.ephemera.cli;

import dev.ephemera.application.Clusters;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ImageLoading;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ephemera cluster load-image ID IMAGE…}: images from the local Docker engine into a local cluster's nodes. */
@Command(name = "load-image", description = {"Load images from the local Docker engine into every node of a local cluster (docker, kind).",
    "As kind load docker-image does: saved once, imported into each node's containerd, nodes that have an image skipped.",
    "Exit 3 when an image is not in the local engine, 8 when an import fails."})
final class LoadImageCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The cluster.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "Images the local engine has, e.g. shop:pr-42.")
    List<String> images = new ArrayList<>();

    /** {@code --load-image} on create: refused (exit 2) before anything is recorded when the backend cannot load images. */
    static void requireImageLoading(CliContext ctx, String backendName, boolean wanted) {
        if (wanted && !(ctx.ephemera().backend(backendName) instanceof ImageLoading)) {
            throw new EphemeraException(ErrorCode.INVALID, "--load-image needs a local backend that loads images from the local Docker "
                    + "engine (docker, kind); backend " + backendName + " cannot: load images into a registry the cluster pulls from instead");
        }
    }

    @picocli.CommandLine.Mixin
    ServerOptions.Refused server;

    @Override
    protected ClientMode clientMode() {
        return ClientMode.LOCAL_ONLY;
    }

    @Override
    protected String localReason() {
        return " (the local Docker engine and the cluster's nodes)";
    }

    @Override
    protected int run(CliContext ctx) {
        ClusterId cid = ClusterId.of(id);
        Cluster c = ctx.ephemera().get(Clusters.class).get(cid);
        ClusterBackend backend = ctx.ephemera().backend(c.backend());
        if (!(backend instanceof ImageLoading loading)) {
            throw new EphemeraException(ErrorCode.INVALID, "cluster " + cid + " runs on backend " + c.backend()
                    + ", which cannot load local images: load-image works with local backends (docker, kind)");
        }
        ImageLoading.ImageLoadReport report = loading.loadImages(cid, List.copyOf(images));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ImageLoading.NodeLoad n : report.nodes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("node", n.node());
            m.put("imported", n.imported());
            m.put("skipped", n.skipped());
            m.put("bytes", n.bytes());
            rows.add(m);
        }
        ctx.render(rows);
        return ExitCodes.OK;
    }
}
