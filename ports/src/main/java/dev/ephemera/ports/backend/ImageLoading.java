package dev.ephemera.ports.backend;

import dev.ephemera.domain.cluster.ClusterId;
import java.util.List;

/**
 * A capability of backends whose nodes run on the local Docker engine: copying images from that
 * engine into every node of a cluster, the way {@code kind load docker-image} does. A backend that
 * has it implements this interface besides {@link ClusterBackend}.
 */
public interface ImageLoading {
    /**
     * Loads {@code images} (references the local engine knows, e.g. {@code shop:pr-42}) into each
     * node of the cluster that lacks one of them (same image ID), then checks every node lists
     * every image.
     *
     * @throws dev.ephemera.domain.error.EphemeraException NOT_FOUND when an image is not in the local
     *         engine or the cluster has no running node; BACKEND when an import fails or an image is
     *         missing from a node afterwards
     */
    ImageLoadReport loadImages(ClusterId id, List<String> images);

    /** What a load did, node by node. */
    record ImageLoadReport(List<NodeLoad> nodes) {
        public ImageLoadReport {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * @param node     the node (container) name
     * @param imported images imported into it
     * @param skipped  images it had already, with the same ID
     * @param bytes    size of the archive streamed into it (0 when nothing was imported)
     */
    record NodeLoad(String node, List<String> imported, List<String> skipped, long bytes) {
        public NodeLoad {
            imported = List.copyOf(imported);
            skipped = List.copyOf(skipped);
        }
    }
}
