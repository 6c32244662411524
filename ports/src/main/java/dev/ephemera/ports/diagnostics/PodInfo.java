package dev.ephemera.ports.diagnostics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pod's state.
 *
 * @param phase      {@code Pending}, {@code Running}, {@code Succeeded}, {@code Failed} or {@code Unknown}
 * @param reason     the pod's status reason (e.g. {@code Evicted}), if any
 * @param message    the pod's status message, if any
 * @param containers init containers first, then the others
 */
public record PodInfo(String namespace, String name, String phase, Optional<String> reason, Optional<String> message,
                      Optional<String> node, Optional<Instant> created, Map<String, String> labels, List<ContainerInfo> containers,
                      List<PodCondition> conditions) {
    public PodInfo {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(created, "created");
        labels = Map.copyOf(labels);
        containers = List.copyOf(containers);
        conditions = List.copyOf(conditions);
    }

    /** Restarts summed over the containers. */
    public int restarts() {
        return containers.stream().mapToInt(ContainerInfo::restarts).sum();
    }

    /** {@code ready/total} of the (non-init) containers, as {@code kubectl get pods} shows it. */
    public String ready() {
        List<ContainerInfo> app = containers.stream().filter(c -> !c.init()).toList();
        return app.stream().filter(ContainerInfo::ready).count() + "/" + app.size();
    }

    /** One condition by type, e.g. {@code PodScheduled}. */
    public Optional<PodCondition> condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }
}
