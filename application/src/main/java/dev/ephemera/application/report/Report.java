package dev.ephemera.application.report;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.diagnostics.ContainerLog;
import dev.ephemera.ports.diagnostics.PodInfo;
import dev.ephemera.ports.diagnostics.Snapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot read for people: the timeline, the failing pods first, the warnings, the counts.
 *
 * @param cluster   the Ephemera cluster, when reported by id
 * @param snapshot  what was collected
 * @param timeline  Ephemera's phases and Kubernetes events, in time order
 * @param failing   failing pods, worst first
 * @param warnings  warnings and errors picked from events and logs
 * @param counts    objects per kind, kinds in alphabetical order
 * @param logFiles  the file name (under {@code k8s/}) of each log fetched
 */
public record Report(Optional<ClusterId> cluster, Instant generatedAt, Snapshot snapshot, List<TimelineEntry> timeline, List<FailingPod> failing,
                     List<Warning> warnings, Map<String, Integer> counts, Map<ContainerLog, String> logFiles, Limits limits) {
    public Report {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(generatedAt, "generatedAt");
        Objects.requireNonNull(snapshot, "snapshot");
        timeline = List.copyOf(timeline);
        failing = List.copyOf(failing);
        warnings = List.copyOf(warnings);
        counts = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(counts));
        logFiles = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(logFiles));
        Objects.requireNonNull(limits, "limits");
    }

    /** The key of this report's PR comment marker: the cluster id, or the API server's host. */
    public String subject() {
        return cluster.map(ClusterId::value).orElseGet(() -> {
            String s = snapshot.server().replaceFirst("^[a-z]+://", "").replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("-+$", "");
            return s.isEmpty() ? "cluster" : s;
        });
    }

    public int warningEvents() {
        return (int) snapshot.events().stream().filter(e -> e.warning()).count();
    }

    /** One line of the timeline. */
    public record TimelineEntry(Instant at, String source, String text) {
        public TimelineEntry {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(text, "text");
        }
    }

    /** A failing pod, why, and its containers' logs (failing containers first). */
    public record FailingPod(PodInfo pod, String reason, List<ContainerLog> logs) {
        public FailingPod {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(reason, "reason");
            logs = List.copyOf(logs);
        }

        public String key() {
            return pod.namespace() + "/" + pod.name();
        }
    }

    /**
     * A warning or error.
     *
     * @param source   {@code event} or {@code log}
     * @param severity {@code warning} or {@code error}
     * @param object   what it is about, e.g. {@code shop/Pod/api-0} or {@code shop/api-0/app}
     * @param file     where to read more, relative to the report directory
     */
    public record Warning(String source, String severity, String object, String reason, String message, Optional<Instant> at, String file) {
        public Warning {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(object, "object");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(file, "file");
        }
    }

    /** The bounds the collection ran within. */
    public record Limits(int logLines, int logByteCap, int concurrency, long budgetSeconds) {
    }
}
