package dev.ephemera.cli;

import dev.ephemera.application.report.GitHubActions;
import dev.ephemera.application.report.ReportOutcome;
import dev.ephemera.application.report.ReportRequest;
import dev.ephemera.application.report.Reports;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.PullRequestRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ephemera report}: what happened in a test cluster, as REPORT.md, report.json and k8s/ files (seed 004). */
@Command(name = "report", description = {
    "Collect a cluster's resources, events, pod states and logs into DIR: REPORT.md first, k8s/*.txt|json, report.json.",
    "Read-only. One log that cannot be read is noted in the report, never a failure: the exit code is 0 whatever the pods do.",
    "Under GitHub Actions (GITHUB_ACTIONS=true) it also prints ::error/::warning annotations (at most 10 each) and appends",
    "the summary to $GITHUB_STEP_SUMMARY. Example:",
    "  ephemera report --cluster pr-42-shop --namespace shop --out ci-report --comment acme/shop#42"})
public final class ReportCommand extends BaseCommand {
    private static final Pattern PR = Pattern.compile("([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#([0-9]+)");

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--cluster", required = true, paramLabel = "ID", description = "A cluster Ephemera manages: its stored CI kubeconfig is used and its phases join the timeline.")
        String cluster;

        @ArgGroup(exclusive = false, multiplicity = "1")
        Kubeconfig kubeconfig;
    }

    static final class Kubeconfig {
        @Option(names = "--kubeconfig", required = true, paramLabel = "FILE", description = "Any cluster, through this kubeconfig.")
        Path file;

        @Option(names = "--context", paramLabel = "C", description = "The kubeconfig context to use (default: its current context).")
        String context;
    }

    @Option(names = "--namespace", split = ",", paramLabel = "NS", description = "Namespace to read; repeat or separate with commas (default: all).")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--out", defaultValue = "ci-report", paramLabel = "DIR", description = "Directory to write into, made if missing (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--since", paramLabel = "D", description = "Only events and log lines of the last D, e.g. 30m, 2h.")
    String since;

    @Option(names = "--log-lines", defaultValue = "" + ReportRequest.DEFAULT_LOG_LINES, paramLabel = "N",
            description = "Last lines of each container log to fetch (default: ${DEFAULT-VALUE}).")
    int logLines;

    @Option(names = "--log-bytes", defaultValue = "" + ReportRequest.DEFAULT_LOG_BYTE_CAP, paramLabel = "N",
            description = "At most N bytes kept of each log, the newest (default: ${DEFAULT-VALUE}).")
    int logBytes;

    @Option(names = "--concurrency", defaultValue = "" + ReportRequest.DEFAULT_CONCURRENCY, paramLabel = "N",
            description = "At most N log fetches at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "D",
            description = "Total time budget of the collection; what is not read by then is noted in the report (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--comment", paramLabel = "OWNER/REPO#PR",
            description = "Also create or update this cluster's report comment on the pull request (the code host of the 'github:' section).")
    String comment;

    @Override
    protected int run(CliContext ctx) {
        Optional<PullRequestRef> pr = Optional.ofNullable(comment).map(ReportCommand::pullRequest);
        Optional<Duration> sinceD = Optional.ofNullable(since).map(s -> duration("--since", s));
        Duration budget = duration("--timeout", timeout);
        ReportRequest.Target t = target.cluster != null
                ? new ReportRequest.ClusterTarget(ClusterId.of(target.cluster))
                : new ReportRequest.KubeconfigTarget(readKubeconfig(target.kubeconfig.file), Optional.ofNullable(target.kubeconfig.context));
        ReportRequest request = new ReportRequest(t, namespaces, out, sinceD, logLines, logBytes, concurrency, budget);

        ReportOutcome outcome = ctx.ephemera().get(Reports.class).write(request);

        Map<String, String> env = ctx.env();
        boolean actions = "true".equals(env.get("GITHUB_ACTIONS"));
        if (actions) {
            GitHubActions.annotations(outcome).forEach(ctx.out()::println);
            String summaryFile = env.get("GITHUB_STEP_SUMMARY");
            if (summaryFile != null && !summaryFile.isBlank()) {
                Reports.appendStepSummary(outcome, Path.of(summaryFile));
            }
        }
        Optional<CommentRef> posted = pr.map(p -> ctx.ephemera().get(Reports.class).comment(outcome, p));

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("report", outcome.reportFile().toString());
        m.put("pods", outcome.report().snapshot().pods().size());
        m.put("failingPods", outcome.report().failing().size());
        m.put("warningEvents", outcome.report().warningEvents());
        m.put("gaps", outcome.report().snapshot().gaps().size());
        posted.ifPresent(c -> m.put("comment", c.url()));
        ctx.render(m);
        return ExitCodes.OK;
    }

    static PullRequestRef pullRequest(String text) {
        Matcher m = PR.matcher(text.strip());
        if (!m.matches()) {
            throw EphemeraException.invalid("--comment '" + text + "' is invalid: write OWNER/REPO#PR, e.g. acme/shop#42");
        }
        try {
            return new PullRequestRef(m.group(1), Integer.parseInt(m.group(2)));
        } catch (NumberFormatException e) {
            throw EphemeraException.invalid("--comment '" + text + "': the pull request number is too large");
        }
    }

    private static Duration duration(String option, String text) {
        try {
            return DurationText.parse(text);
        } catch (EphemeraException e) {
            throw EphemeraException.invalid(option + " '" + text + "': " + e.getMessage());
        }
    }

    private static Secret readKubeconfig(Path file) {
        try {
            return Secret.ofBytes(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw EphemeraException.invalid("--kubeconfig " + file + " does not exist");
        } catch (IOException e) {
            throw EphemeraException.invalid("--kubeconfig " + file + " cannot be read: " + e.getMessage());
        }
    }
}
