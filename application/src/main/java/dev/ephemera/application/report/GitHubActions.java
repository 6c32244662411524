package dev.ephemera.application.report;

import java.util.ArrayList;
import java.util.List;

/**
 * GitHub Actions workflow commands for a report: {@code ::error} per failing pod and
 * {@code ::warning} per warning event, at most {@link #MAX_EACH} of each, escaped as the
 * Actions toolkit escapes them (so a message cannot end the command early or start another).
 */
public final class GitHubActions {
    public static final int MAX_EACH = 10;

    private GitHubActions() {
    }

    /** The annotation lines, errors first. */
    public static List<String> annotations(ReportOutcome o) {
        Report r = o.report();
        List<String> out = new ArrayList<>();
        r.failing().stream().limit(MAX_EACH).forEach(f -> {
            String file = f.logs().isEmpty() ? o.directory().resolve(ReportFiles.POD_DESCRIPTIONS_TXT).toString()
                    : o.directory().resolve("k8s").resolve(r.logFiles().get(f.logs().get(0))).toString();
            out.add("::error file=" + property(file) + ",title=" + property("Pod " + f.key() + " is failing") + "::"
                    + data(f.reason() + " (restarts: " + f.pod().restarts() + "). See " + o.reportFile()));
        });
        r.warnings().stream().filter(w -> w.source().equals("event")).limit(MAX_EACH).forEach(w ->
                out.add("::warning file=" + property(o.directory().resolve(ReportFiles.EVENTS_TXT).toString()) + ",title="
                        + property(w.reason() + " on " + w.object()) + "::" + data(ReportAnalysis.cut(w.message(), 500))));
        return out;
    }

    static String data(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    static String property(String s) {
        return data(s).replace(":", "%3A").replace(",", "%2C");
    }
}
