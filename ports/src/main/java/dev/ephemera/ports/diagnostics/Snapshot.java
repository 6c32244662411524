package dev.ephemera.ports.diagnostics;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a collection found.
 *
 * @param collectedAt     when the collection started
 * @param server          the API server's URL
 * @param resources       every object read, Secrets without their data
 * @param pods            the pods, with container states
 * @param events          the events, in no particular order
 * @param logs            one entry per container log asked for (current, and previous for a restarted container)
 * @param gaps            what could not be collected, in words (a kind not listable, the time budget ran out)
 * @param budgetExhausted whether the time budget ran out before everything was fetched
 */
public record Snapshot(Instant collectedAt, String server, List<ResourceItem> resources, List<PodInfo> pods, List<KubeEvent> events,
                       List<ContainerLog> logs, List<String> gaps, boolean budgetExhausted) {
    public Snapshot {
        Objects.requireNonNull(collectedAt, "collectedAt");
        Objects.requireNonNull(server, "server");
        resources = List.copyOf(resources);
        pods = List.copyOf(pods);
        events = List.copyOf(events);
        logs = List.copyOf(logs);
        gaps = List.copyOf(gaps);
    }
}
