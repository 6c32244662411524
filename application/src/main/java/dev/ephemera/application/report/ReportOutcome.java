package dev.ephemera.application.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A written report.
 *
 * @param directory where it was written
 * @param report    what it says
 * @param files     the paths written, relative to {@code directory}, REPORT.md first
 * @param summary   the short Markdown form for a PR comment or a step summary
 */
public record ReportOutcome(Path directory, Report report, List<String> files, String summary) {
    public ReportOutcome {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(summary, "summary");
        files = List.copyOf(files);
    }

    public Path reportFile() {
        return directory.resolve(ReportFiles.REPORT_MD);
    }
}
