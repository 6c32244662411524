package dev.ephemera.application.report;

import dev.ephemera.ports.diagnostics.ContainerInfo;
import dev.ephemera.ports.diagnostics.ContainerLog;
import dev.ephemera.ports.diagnostics.KubeEvent;
import dev.ephemera.ports.diagnostics.PodCondition;
import dev.ephemera.ports.diagnostics.PodInfo;
import dev.ephemera.ports.diagnostics.ResourceItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Renders a {@link Report} as the report directory's files, keyed by their path relative to it. */
final class ReportFiles {
    static final String REPORT_MD = "REPORT.md";
    static final String REPORT_JSON = "report.json";
    static final String RESOURCES_JSON = "k8s/resources.json";
    static final String RESOURCES_TXT = "k8s/resources.txt";
    static final String EVENTS_TXT = "k8s/events.txt";
    static final String POD_DESCRIPTIONS_TXT = "k8s/pod-descriptions.txt";
    static final String TIMELINE_TXT = "k8s/timeline.txt";
    /** Lines of each failing container's log shown in REPORT.md; the log files hold all that was fetched. */
    static final int TAIL_IN_REPORT = 30;
    static final int TIMELINE_IN_REPORT = 100;
    /** GitHub refuses comments over 65,536 characters; the summary stays well below. */
    static final int SUMMARY_MAX_CHARS = 60_000;
    static final int SUMMARY_ROWS = 10;

    private ReportFiles() {
    }

    /** Every file: REPORT.md first, then k8s/…, the logs, and report.json. */
    static Map<String, String> render(Report r) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(REPORT_MD, reportMd(r));
        files.put(RESOURCES_JSON, resourcesJson(r));
        files.put(RESOURCES_TXT, resourcesTxt(r));
        files.put(EVENTS_TXT, eventsTxt(r));
        files.put(POD_DESCRIPTIONS_TXT, podDescriptions(r));
        files.put(TIMELINE_TXT, timelineTxt(r));
        r.logFiles().forEach((log, name) -> files.put("k8s/" + name, logFile(log)));
        files.put(REPORT_JSON, reportJson(r));
        return files;
    }

    static String reportMd(Report r) {
        StringBuilder b = new StringBuilder();
        b.append("# Cluster report: ").append(r.subject()).append("\n\n");
        b.append(headline(r)).append("\n\n");
        gaps(r, b);

        b.append("## Failing pods\n\n");
        if (r.failing().isEmpty()) {
            b.append("None: every pod is running and ready, or has completed.\n\n");
        }
        for (Report.FailingPod f : r.failing()) {
            b.append("### ").append(f.key()).append("\n\n").append(Text.cell(f.reason())).append("\n\n");
            b.append("| container | state | ready | restarts | last termination |\n|---|---|---|---|---|\n");
            for (ContainerInfo c : f.pod().containers()) {
                b.append("| ").append(Text.cell(c.name() + (c.init() ? " (init)" : ""))).append(" | ").append(Text.cell(state(c))).append(" | ")
                        .append(c.ready() ? "yes" : "no").append(" | ").append(c.restarts()).append(" | ").append(Text.cell(lastTermination(c)))
                        .append(" |\n");
            }
            b.append('\n');
            if (f.logs().isEmpty()) {
                b.append("No log: no container of this pod has started.\n\n");
            }
            for (ContainerLog l : f.logs()) {
                String file = "k8s/" + r.logFiles().get(l);
                b.append("Last lines of `").append(l.container()).append('`').append(l.previous() ? " (previous instance)" : "")
                        .append(" — [full log](").append(file).append(")").append(l.truncated() ? ", cut to the newest " + r.limits().logByteCap() + " bytes" : "")
                        .append(":\n\n");
                if (l.error().isPresent()) {
                    b.append("> The log could not be read: ").append(Text.cell(l.error().get())).append("\n\n");
                } else if (l.text().get().isBlank()) {
                    b.append("(empty)\n\n");
                } else {
                    b.append(Text.fence(Text.lastLines(l.text().get(), TAIL_IN_REPORT))).append('\n');
                }
            }
        }

        b.append("## Pod status\n\n");
        if (r.snapshot().pods().isEmpty()) {
            b.append("No pods.\n\n");
        } else {
            Set<String> failing = r.failing().stream().map(Report.FailingPod::key).collect(Collectors.toSet());
            b.append("| namespace | pod | phase | ready | restarts | last termination reason | failing |\n|---|---|---|---|---|---|---|\n");
            for (PodInfo p : podsFailingFirst(r)) {
                b.append("| ").append(Text.cell(p.namespace())).append(" | ").append(Text.cell(p.name())).append(" | ").append(Text.cell(p.phase()))
                        .append(" | ").append(p.ready()).append(" | ").append(p.restarts()).append(" | ").append(Text.cell(lastTermination(p)))
                        .append(" | ").append(failing.contains(p.namespace() + "/" + p.name()) ? "**yes**" : "no").append(" |\n");
            }
            b.append('\n');
        }

        b.append("## Warnings and errors\n\n");
        unreadLogs(r, b);
        if (r.warnings().isEmpty()) {
            b.append("None found in events or logs.\n\n");
        } else {
            b.append("| source | severity | object | reason | message |\n|---|---|---|---|---|\n");
            for (Report.Warning w : r.warnings()) {
                b.append("| [").append(w.source()).append("](").append(w.file()).append(") | ").append(w.severity()).append(" | ")
                        .append(Text.cell(w.object())).append(" | ").append(Text.cell(w.reason())).append(" | ").append(Text.cell(w.message()))
                        .append(" |\n");
            }
            b.append('\n');
        }

        b.append("## Timeline\n\n");
        List<Report.TimelineEntry> tl = r.timeline();
        if (tl.isEmpty()) {
            b.append("No timed events.\n\n");
        } else {
            if (tl.size() > TIMELINE_IN_REPORT) {
                b.append("The last ").append(TIMELINE_IN_REPORT).append(" of ").append(tl.size()).append(" entries; all are in [k8s/timeline.txt](")
                        .append(TIMELINE_TXT).append(").\n\n");
                tl = tl.subList(tl.size() - TIMELINE_IN_REPORT, tl.size());
            }
            b.append("| time (UTC) | source | what |\n|---|---|---|\n");
            for (Report.TimelineEntry e : tl) {
                b.append("| ").append(Text.time(e.at())).append(" | ").append(e.source()).append(" | ").append(Text.cell(e.text())).append(" |\n");
            }
            b.append('\n');
        }

        b.append("## Resources\n\n");
        if (r.counts().isEmpty()) {
            b.append("No objects.\n\n");
        } else {
            b.append("| kind | count |\n|---|---|\n");
            r.counts().forEach((k, n) -> b.append("| ").append(k).append(" | ").append(n).append(" |\n"));
            b.append('\n');
        }

        b.append("## Files\n\n");
        b.append("- [report.json](").append(REPORT_JSON).append("): this summary for programs (schema in Ephemera's docs/report.md)\n");
        b.append("- [k8s/resources.json](").append(RESOURCES_JSON).append("): every object read, as a Kubernetes List (Secrets without their data)\n");
        b.append("- [k8s/resources.txt](").append(RESOURCES_TXT).append("): the same as a table\n");
        b.append("- [k8s/events.txt](").append(EVENTS_TXT).append("): the events, oldest first\n");
        b.append("- [k8s/pod-descriptions.txt](").append(POD_DESCRIPTIONS_TXT).append("): each pod's containers, conditions and events\n");
        b.append("- [k8s/timeline.txt](").append(TIMELINE_TXT).append("): the whole timeline\n");
        for (Map.Entry<ContainerLog, String> e : r.logFiles().entrySet()) {
            b.append("- [k8s/").append(e.getValue()).append("](k8s/").append(e.getValue()).append(")")
                    .append(e.getKey().error().isPresent() ? ": " + Text.cell(e.getKey().error().get()) : "")
                    .append(e.getKey().truncated() ? ": cut to the newest " + r.limits().logByteCap() + " bytes" : "").append('\n');
        }
        return b.toString();
    }

    /** The short form for a PR comment and the step summary: counts, failing pods, warning events, gaps. */
    static String summaryMd(Report r, String reportPath) {
        StringBuilder b = new StringBuilder();
        b.append("### Cluster report: ").append(r.subject()).append("\n\n").append(headline(r)).append("\n\n");
        if (!r.failing().isEmpty()) {
            b.append("| failing pod | reason | restarts |\n|---|---|---|\n");
            r.failing().stream().limit(SUMMARY_ROWS).forEach(f -> b.append("| ").append(Text.cell(f.key())).append(" | ")
                    .append(Text.cell(ReportAnalysis.cut(f.reason(), 200))).append(" | ").append(f.pod().restarts()).append(" |\n"));
            if (r.failing().size() > SUMMARY_ROWS) {
                b.append("\nand ").append(r.failing().size() - SUMMARY_ROWS).append(" more failing pods.\n");
            }
            b.append('\n');
        }
        List<Report.Warning> events = r.warnings().stream().filter(w -> w.source().equals("event")).toList();
        if (!events.isEmpty()) {
            b.append("| warning event | object | message |\n|---|---|---|\n");
            events.stream().limit(SUMMARY_ROWS).forEach(w -> b.append("| ").append(Text.cell(w.reason())).append(" | ").append(Text.cell(w.object()))
                    .append(" | ").append(Text.cell(ReportAnalysis.cut(w.message(), 200))).append(" |\n"));
            if (events.size() > SUMMARY_ROWS) {
                b.append("\nand ").append(events.size() - SUMMARY_ROWS).append(" more warning events.\n");
            }
            b.append('\n');
        }
        gaps(r, b);
        b.append("The full report is `").append(reportPath).append("`.\n");
        String s = b.toString();
        return s.length() <= SUMMARY_MAX_CHARS ? s : s.substring(0, SUMMARY_MAX_CHARS) + "\n\n(cut)\n";
    }

    private static String headline(Report r) {
        String ns = r.snapshot().pods().isEmpty() && r.counts().isEmpty() ? "" : "";
        return "Collected " + Text.time(r.snapshot().collectedAt()) + " from " + r.snapshot().server() + ns + ": "
                + r.snapshot().pods().size() + " pods, **" + r.failing().size() + " failing**, " + r.warningEvents() + " warning events, "
                + r.snapshot().resources().size() + " objects.";
    }

    private static void gaps(Report r, StringBuilder b) {
        if (!r.snapshot().gaps().isEmpty()) {
            b.append("> **Not everything could be collected:**\n");
            r.snapshot().gaps().forEach(g -> b.append("> - ").append(Text.cell(g)).append('\n'));
            b.append('\n');
        }
    }

    private static void unreadLogs(Report r, StringBuilder b) {
        List<ContainerLog> unread = r.snapshot().logs().stream().filter(l -> l.error().isPresent()).toList();
        if (!unread.isEmpty()) {
            b.append("Logs that could not be read (the report is complete otherwise):\n\n");
            unread.forEach(l -> b.append("- ").append(Text.cell(l.namespace() + "/" + l.pod() + "/" + l.container() + (l.previous() ? " (previous)" : "")))
                    .append(": ").append(Text.cell(l.error().get())).append('\n'));
            b.append('\n');
        }
    }

    private static List<PodInfo> podsFailingFirst(Report r) {
        List<PodInfo> out = new ArrayList<>(r.failing().stream().map(Report.FailingPod::pod).toList());
        r.snapshot().pods().stream().filter(p -> !out.contains(p)).forEach(out::add);
        return out;
    }

    private static String state(ContainerInfo c) {
        return c.state() + c.reason().map(x -> " (" + x + ")").orElse("") + c.exitCode().map(x -> " exit " + x).orElse("");
    }

    private static String lastTermination(ContainerInfo c) {
        return c.lastTerminationReason().map(x -> x + c.lastExitCode().map(e -> " (exit " + e + ")").orElse("")).orElse("-");
    }

    private static String lastTermination(PodInfo p) {
        return p.containers().stream().filter(c -> c.lastTerminationReason().isPresent()).map(c -> c.name() + ": " + lastTermination(c))
                .collect(Collectors.joining(", ")).transform(s -> s.isEmpty() ? "-" : s);
    }

    static String resourcesJson(Report r) {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        list.put("items", r.snapshot().resources().stream().map(i -> (Object) new Json.Raw(i.json())).toList());
        return Json.write(list);
    }

    static String resourcesTxt(Report r) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("NAMESPACE", "KIND", "NAME", "STATUS", "AGE"));
        for (ResourceItem i : r.snapshot().resources()) {
            rows.add(List.of(i.namespace(), i.kind(), i.name(), i.status(), Text.age(i.created(), r.snapshot().collectedAt())));
        }
        return Text.columns(rows);
    }

    static String eventsTxt(Report r) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("TIME", "NAMESPACE", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"));
        for (KubeEvent e : eventsByTime(r.snapshot().events())) {
            rows.add(List.of(Text.time(e.at()), e.namespace(), e.type(), e.reason(), e.objectKind() + "/" + e.objectName(), String.valueOf(e.count()),
                    e.message().replace('\n', ' ')));
        }
        return Text.columns(rows);
    }

    private static List<KubeEvent> eventsByTime(List<KubeEvent> events) {
        return events.stream().sorted(Comparator.comparing((KubeEvent e) -> e.at().orElse(Instant.MAX))).toList();
    }

    static String timelineTxt(Report r) {
        StringBuilder b = new StringBuilder();
        for (Report.TimelineEntry e : r.timeline()) {
            b.append(Text.time(e.at())).append("  ").append(String.format("%-8s", e.source())).append("  ").append(e.text().replace('\n', ' ')).append('\n');
        }
        return b.toString();
    }

    static String podDescriptions(Report r) {
        StringBuilder b = new StringBuilder();
        List<KubeEvent> events = eventsByTime(r.snapshot().events());
        for (PodInfo p : r.snapshot().pods()) {
            b.append("Name:        ").append(p.name()).append('\n');
            b.append("Namespace:   ").append(p.namespace()).append('\n');
            b.append("Node:        ").append(p.node().orElse("<none>")).append('\n');
            b.append("Created:     ").append(Text.time(p.created())).append('\n');
            b.append("Labels:      ").append(p.labels().isEmpty() ? "<none>" : new java.util.TreeMap<>(p.labels()).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","))).append('\n');
            b.append("Phase:       ").append(p.phase()).append('\n');
            p.reason().ifPresent(x -> b.append("Reason:      ").append(x).append('\n'));
            p.message().ifPresent(x -> b.append("Message:     ").append(x).append('\n'));
            ReportAnalysis.failure(p).ifPresent(x -> b.append("Failing:     ").append(x).append('\n'));
            b.append("Containers:\n");
            for (ContainerInfo c : p.containers()) {
                b.append("  ").append(c.name()).append(c.init() ? " (init)" : "").append(":\n");
                b.append("    Image:             ").append(c.image()).append('\n');
                b.append("    State:             ").append(state(c)).append(c.message().map(m -> ": " + m).orElse("")).append('\n');
                b.append("    Last termination:  ").append(lastTermination(c)).append(c.lastFinishedAt().map(t -> " at " + Text.time(t)).orElse(""))
                        .append('\n');
                b.append("    Ready:             ").append(c.ready()).append('\n');
                b.append("    Restarts:          ").append(c.restarts()).append('\n');
            }
            b.append("Conditions:\n");
            for (PodCondition c : p.conditions()) {
                b.append("  ").append(c.type()).append(' ').append(c.status()).append(c.reason().map(x -> " " + x).orElse(""))
                        .append(c.message().map(x -> ": " + x).orElse("")).append('\n');
            }
            b.append("Events:\n");
            List<KubeEvent> mine = events.stream().filter(e -> e.objectKind().equals("Pod") && e.namespace().equals(p.namespace())
                    && e.objectName().equals(p.name())).toList();
            if (mine.isEmpty()) {
                b.append("  <none>\n");
            }
            mine.forEach(e -> b.append("  ").append(Text.time(e.at())).append("  ").append(e.type()).append("  ").append(e.reason())
                    .append(e.count() > 1 ? " (x" + e.count() + ")" : "").append("  ").append(e.message().replace('\n', ' ')).append('\n'));
            b.append("\n---\n\n");
        }
        return b.toString();
    }

    private static String logFile(ContainerLog l) {
        if (l.error().isPresent()) {
            return "# The log of " + l.namespace() + "/" + l.pod() + "/" + l.container() + (l.previous() ? " (previous instance)" : "")
                    + " could not be read: " + l.error().get() + "\n";
        }
        return l.text().get();
    }

    static String reportJson(Report r) {
        Set<String> failing = r.failing().stream().map(Report.FailingPod::key).collect(Collectors.toSet());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schemaVersion", 1);
        root.put("generatedAt", r.generatedAt());
        root.put("collectedAt", r.snapshot().collectedAt());
        root.put("cluster", r.cluster().map(c -> c.value()));
        root.put("server", r.snapshot().server());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("logLines", r.limits().logLines());
        limits.put("logByteCap", r.limits().logByteCap());
        limits.put("concurrency", r.limits().concurrency());
        limits.put("budgetSeconds", r.limits().budgetSeconds());
        limits.put("budgetExhausted", r.snapshot().budgetExhausted());
        root.put("limits", limits);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("pods", r.snapshot().pods().size());
        counts.put("failingPods", r.failing().size());
        counts.put("events", r.snapshot().events().size());
        counts.put("warningEvents", r.warningEvents());
        counts.put("logsRead", (int) r.snapshot().logs().stream().filter(l -> l.text().isPresent()).count());
        counts.put("logsNotRead", (int) r.snapshot().logs().stream().filter(l -> l.error().isPresent()).count());
        counts.put("resources", new LinkedHashMap<String, Object>(r.counts()));
        root.put("counts", counts);
        List<Object> fp = new ArrayList<>();
        for (Report.FailingPod f : r.failing()) {
            Map<String, Object> m = pod(f.pod(), true);
            m.put("reason", f.reason());
            List<Object> containers = new ArrayList<>();
            for (ContainerInfo c : f.pod().containers()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("name", c.name());
                cm.put("init", c.init());
                cm.put("state", c.state());
                cm.put("reason", c.reason());
                cm.put("ready", c.ready());
                cm.put("restarts", c.restarts());
                cm.put("exitCode", c.exitCode());
                cm.put("lastTerminationReason", c.lastTerminationReason());
                cm.put("lastExitCode", c.lastExitCode());
                containers.add(cm);
            }
            m.put("containers", containers);
            List<Object> logs = new ArrayList<>();
            for (ContainerLog l : f.logs()) {
                Map<String, Object> lm = new LinkedHashMap<>();
                lm.put("container", l.container());
                lm.put("previous", l.previous());
                lm.put("file", "k8s/" + r.logFiles().get(l));
                lm.put("truncated", l.truncated());
                lm.put("error", l.error());
                logs.add(lm);
            }
            m.put("logs", logs);
            fp.add(m);
        }
        root.put("failingPods", fp);
        root.put("pods", r.snapshot().pods().stream().map(p -> {
            Map<String, Object> m = pod(p, failing.contains(p.namespace() + "/" + p.name()));
            return (Object) m;
        }).toList());
        root.put("warnings", r.warnings().stream().map(w -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", w.source());
            m.put("severity", w.severity());
            m.put("object", w.object());
            m.put("reason", w.reason());
            m.put("message", w.message());
            m.put("at", w.at());
            m.put("file", w.file());
            return (Object) m;
        }).toList());
        root.put("gaps", r.snapshot().gaps());
        Map<String, Object> files = new LinkedHashMap<>();
        files.put("report", REPORT_MD);
        files.put("resources", RESOURCES_JSON);
        files.put("resourcesTable", RESOURCES_TXT);
        files.put("events", EVENTS_TXT);
        files.put("podDescriptions", POD_DESCRIPTIONS_TXT);
        files.put("timeline", TIMELINE_TXT);
        files.put("logs", r.logFiles().values().stream().map(n -> (Object) ("k8s/" + n)).toList());
        root.put("files", files);
        return Json.write(root);
    }

    private static Map<String, Object> pod(PodInfo p, boolean failing) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", p.namespace());
        m.put("name", p.name());
        m.put("phase", p.phase());
        m.put("ready", p.ready());
        m.put("restarts", p.restarts());
        m.put("lastTerminationReason", p.containers().stream().map(ContainerInfo::lastTerminationReason).flatMap(Optional::stream).findFirst());
        m.put("node", p.node());
        m.put("failing", failing);
        return m;
    }
}
