package dev.ephemera.application.report;

import dev.ephemera.application.Clusters;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.ports.diagnostics.ClusterDiagnostics;
import dev.ephemera.ports.diagnostics.DiagnosticsRequest;
import dev.ephemera.ports.diagnostics.Snapshot;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects a cluster's diagnostics and writes them as a report directory: REPORT.md first, then
 * {@code k8s/} (resources, events, pod descriptions, timeline, logs) and report.json (seed 004).
 * Read-only towards the cluster and Ephemera's records. Also posts the summary as a PR comment.
 */
public final class Reports {
    private static final Logger LOG = LoggerFactory.getLogger(Reports.class);

    private final ClusterDiagnostics diagnostics;
    private final Provider<Clusters> clusters;
    private final Provider<CodeHost> codeHost;
    private final Clock clock;

    /** The records and the code host are reached only when asked for: a report by kubeconfig needs neither. */
    @Inject
    public Reports(ClusterDiagnostics diagnostics, Provider<Clusters> clusters, Provider<CodeHost> codeHost, Clock clock) {
        this.diagnostics = diagnostics;
        this.clusters = clusters;
        this.codeHost = codeHost;
        this.clock = clock;
    }

    /** Collects and writes the report; one unreadable log or kind is noted in it, never a failure. */
    public ReportOutcome write(ReportRequest request) {
        Instant now = clock.instant();
        Optional<Cluster> cluster = Optional.empty();
        Secret kubeconfig;
        Optional<String> context = Optional.empty();
        if (request.target() instanceof ReportRequest.ClusterTarget t) {
            Cluster c = clusters.get().get(t.id());
            cluster = Optional.of(c);
            kubeconfig = clusters.get().kubeconfig(t.id());
        } else {
            ReportRequest.KubeconfigTarget t = (ReportRequest.KubeconfigTarget) request.target();
            kubeconfig = t.kubeconfig();
            context = t.context();
        }
        prepare(request.out());
        DiagnosticsRequest ask = new DiagnosticsRequest(kubeconfig, context, request.namespaces(), request.since().map(now::minus),
                request.logLines(), request.logByteCap(), request.concurrency(), request.budget());
        Snapshot snapshot = diagnostics.collect(ask);
        Report report = ReportAnalysis.analyse(snapshot, cluster, now,
                new Report.Limits(request.logLines(), request.logByteCap(), request.concurrency(), request.budget().toSeconds()));
        Map<String, String> files = ReportFiles.render(report);
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = request.out().resolve(f.getKey());
            try {
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new EphemeraException(ErrorCode.INVALID, "cannot write " + p + ": " + e.getMessage() + "; choose a writable --out directory", e);
            }
            written.add(f.getKey());
        }
        LOG.info("report written dir={} pods={} failing={} warnings={} gaps={}", request.out(), snapshot.pods().size(), report.failing().size(),
                report.warnings().size(), snapshot.gaps().size());
        String summary = ReportFiles.summaryMd(report, request.out().resolve(ReportFiles.REPORT_MD).toString());
        return new ReportOutcome(request.out(), report, written, summary);
    }

    /** Creates or edits this cluster's report comment on the pull request: one comment per cluster, however often it runs. */
    public CommentRef comment(ReportOutcome outcome, PullRequestRef pr) {
        return codeHost.get().upsertComment(pr, marker(outcome.report()), outcome.summary());
    }

    /** The comment marker: one per cluster. */
    public static String marker(Report report) {
        String subject = report.subject();
        String m = "report:" + subject;
        return m.length() <= 100 ? m : m.substring(0, 100);
    }

    /** Appends the summary to GitHub's step summary file (the file named by {@code GITHUB_STEP_SUMMARY}). */
    public static void appendStepSummary(ReportOutcome outcome, Path stepSummary) {
        try {
            Files.writeString(stepSummary, outcome.summary() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.INVALID, "cannot append to the step summary " + stepSummary + " (GITHUB_STEP_SUMMARY): "
                    + e.getMessage(), e);
        }
    }

    private static void prepare(Path out) {
        try {
            Files.createDirectories(out.resolve("k8s"));
        } catch (IOException e) {
            throw EphemeraException.invalid("cannot create the report directory " + out + ": " + e.getMessage() + "; choose a writable --out directory");
        }
    }
}
