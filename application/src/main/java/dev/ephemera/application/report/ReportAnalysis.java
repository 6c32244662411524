package dev.ephemera.application.report;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.TimelineEvent;
import dev.ephemera.ports.diagnostics.ContainerInfo;
import dev.ephemera.ports.diagnostics.ContainerLog;
import dev.ephemera.ports.diagnostics.KubeEvent;
import dev.ephemera.ports.diagnostics.PodCondition;
import dev.ephemera.ports.diagnostics.PodInfo;
import dev.ephemera.ports.diagnostics.ResourceItem;
import dev.ephemera.ports.diagnostics.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Reads a {@link Snapshot}: which pods fail and why, what the warnings are, the merged timeline. */
final class ReportAnalysis {
    /** Waiting reasons that mean a container will not come up by itself. */
    private static final Set<String> BAD_WAITING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
            "CreateContainerError", "InvalidImageName", "RunContainerError", "ErrImageNeverPull");
    private static final Pattern LOG_ERROR = Pattern.compile("(?i)\\b(error|fatal|panic|exception|failed)\\b");
    private static final Pattern LOG_WARNING = Pattern.compile("(?i)\\b(warn|warning)\\b");
    static final int MAX_LOG_WARNINGS_PER_LOG = 5;
    static final int MAX_LOG_WARNINGS = 50;

    private ReportAnalysis() {
    }

    static Report analyse(Snapshot s, Optional<Cluster> cluster, Instant now, Report.Limits limits) {
        Map<ContainerLog, String> files = new LinkedHashMap<>();
        for (ContainerLog l : s.logs()) {
            files.put(l, logFile(l));
        }
        List<Report.FailingPod> failing = new ArrayList<>();
        for (PodInfo p : s.pods()) {
            failure(p).ifPresent(reason -> failing.add(new Report.FailingPod(p, reason, logsOf(p, s.logs()))));
        }
        // The worst first: crash loops and failed pods before pending ones, then by restarts.
        failing.sort(Comparator.comparingInt((Report.FailingPod f) -> rank(f.pod())).thenComparing(f -> -f.pod().restarts())
                .thenComparing(Report.FailingPod::key));

        List<Report.Warning> warnings = new ArrayList<>();
        s.events().stream().filter(KubeEvent::warning)
                .sorted(Comparator.comparing((KubeEvent e) -> e.at().orElse(Instant.MAX)))
                .forEach(e -> warnings.add(new Report.Warning("event", "warning", e.namespace() + "/" + e.objectKind() + "/" + e.objectName(), e.reason(),
                        e.message() + (e.count() > 1 ? " (x" + e.count() + ")" : ""), e.at(), "k8s/events.txt")));
        int fromLogs = 0;
        for (ContainerLog l : s.logs()) {
            if (l.text().isEmpty()) {
                continue;
            }
            int here = 0;
            for (String line : l.text().get().split("\n")) {
                if (fromLogs >= MAX_LOG_WARNINGS || here >= MAX_LOG_WARNINGS_PER_LOG) {
                    break;
                }
                String severity = LOG_ERROR.matcher(line).find() ? "error" : LOG_WARNING.matcher(line).find() ? "warning" : null;
                if (severity != null) {
                    warnings.add(new Report.Warning("log", severity, l.namespace() + "/" + l.pod() + "/" + l.container() + (l.previous() ? " (previous)" : ""),
                            "", cut(line.strip(), 300), Optional.empty(), "k8s/" + files.get(l)));
                    here++;
                    fromLogs++;
                }
            }
        }

        List<Report.TimelineEntry> timeline = new ArrayList<>();
        cluster.ifPresent(c -> {
            for (TimelineEvent e : c.timeline()) {
                timeline.add(new Report.TimelineEntry(e.at(), "ephemera", c.id().value() + " " + e.phase().displayName() + ": " + e.message()));
            }
        });
        for (KubeEvent e : s.events()) {
            e.at().ifPresent(at -> timeline.add(new Report.TimelineEntry(at, "k8s", e.type() + " " + e.reason() + " " + e.namespace() + "/"
                    + e.objectKind() + "/" + e.objectName() + ": " + e.message() + (e.count() > 1 ? " (x" + e.count() + ")" : ""))));
        }
        timeline.sort(Comparator.comparing(Report.TimelineEntry::at));

        Map<String, Integer> counts = new TreeMap<>();
        for (ResourceItem r : s.resources()) {
            counts.merge(r.kind(), 1, Integer::sum);
        }
        return new Report(cluster.map(Cluster::id), now, s, timeline, failing, warnings, counts, files, limits);
    }

    /** Why a pod fails, if it does: a container that will not come up, a pod not scheduled, a failed pod, or a container not ready. */
    static Optional<String> failure(PodInfo p) {
        if ("Succeeded".equals(p.phase())) {
            return Optional.empty();
        }
        for (ContainerInfo c : p.containers()) {
            if (c.state().equals("waiting") && c.reason().filter(BAD_WAITING::contains).isPresent()) {
                return Optional.of(c.name() + ": " + c.reason().get() + lastTermination(c));
            }
        }
        if ("Failed".equals(p.phase()) || "Unknown".equals(p.phase())) {
            return Optional.of(p.phase() + p.reason().map(r -> " (" + r + ")").orElse("") + p.message().map(m -> ": " + m).orElse(""));
        }
        for (ContainerInfo c : p.containers()) {
            if (c.state().equals("terminated") && c.exitCode().filter(x -> x != 0).isPresent() && !c.init()) {
                return Optional.of(c.name() + ": exited " + c.exitCode().get() + c.reason().map(r -> " (" + r + ")").orElse(""));
            }
        }
        if ("Pending".equals(p.phase())) {
            Optional<PodCondition> sched = p.condition("PodScheduled").filter(c -> "False".equals(c.status()));
            if (sched.isPresent()) {
                return Optional.of("Pending, not scheduled" + sched.get().reason().map(r -> " (" + r + ")").orElse("")
                        + sched.get().message().map(m -> ": " + m).orElse(""));
            }
            String waiting = p.containers().stream().filter(c -> c.state().equals("waiting")).map(c -> c.name() + ": " + c.reason().orElse("waiting"))
                    .findFirst().orElse("waiting to start");
            return Optional.of("Pending, " + waiting);
        }
        for (ContainerInfo c : p.containers()) {
            if (!c.init() && !c.ready() && c.restarts() > 0) {
                return Optional.of(c.name() + ": not ready after " + c.restarts() + " restarts" + lastTermination(c));
            }
        }
        for (ContainerInfo c : p.containers()) {
            if (!c.init() && !c.ready()) {
                return Optional.of(c.name() + ": not ready");
            }
        }
        return Optional.empty();
    }

    private static String lastTermination(ContainerInfo c) {
        return c.lastTerminationReason().map(r -> ", last ended " + r + c.lastExitCode().map(x -> " (exit " + x + ")").orElse("")).orElse("");
    }

    private static int rank(PodInfo p) {
        boolean crashing = p.containers().stream().anyMatch(c -> c.state().equals("waiting") && c.reason().filter(BAD_WAITING::contains).isPresent());
        if (crashing || "Failed".equals(p.phase())) {
            return 0;
        }
        return "Pending".equals(p.phase()) ? 2 : 1;
    }

    /** A pod's logs, the failing containers' (previous instance first) before the others'. */
    private static List<ContainerLog> logsOf(PodInfo p, List<ContainerLog> logs) {
        List<ContainerLog> mine = new ArrayList<>(logs.stream().filter(l -> l.namespace().equals(p.namespace()) && l.pod().equals(p.name())).toList());
        Map<String, ContainerInfo> byName = new LinkedHashMap<>();
        p.containers().forEach(c -> byName.put(c.name(), c));
        mine.sort(Comparator.comparingInt((ContainerLog l) -> {
            ContainerInfo c = byName.get(l.container());
            return c != null && (c.ready() || c.state().equals("terminated") && c.exitCode().orElse(1) == 0) ? 1 : 0;
        }).thenComparing(l -> l.previous() ? 0 : 1));
        return mine;
    }

    /** {@code logs-<namespace>-<pod>-<container>.txt}, with {@code -previous} for a restarted container's previous instance. */
    static String logFile(ContainerLog l) {
        return "logs-" + safe(l.namespace()) + "-" + safe(l.pod()) + "-" + safe(l.container()) + (l.previous() ? "-previous" : "") + ".txt";
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
