package dev.ephemera.application.report;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.diagnostics.DiagnosticsRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to report on and where to write it.
 *
 * @param target      a cluster Ephemera manages, or any cluster by kubeconfig
 * @param namespaces  namespaces to read; empty means all
 * @param out         the directory to write into (made if missing)
 * @param since       only events and log lines of this last stretch of time
 * @param logLines    last lines of each container log
 * @param logByteCap  at most this many bytes of each log are kept
 * @param concurrency at most this many log fetches at once
 * @param budget      the collection's total time budget
 */
public record ReportRequest(Target target, List<String> namespaces, Path out, Optional<Duration> since, int logLines, int logByteCap,
                            int concurrency, Duration budget) {
    public static final int DEFAULT_LOG_LINES = 200;
    public static final int DEFAULT_LOG_BYTE_CAP = 256 * 1024;
    public static final int DEFAULT_CONCURRENCY = 8;
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(60);

    public ReportRequest {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(budget, "budget");
        namespaces = List.copyOf(namespaces);
        DiagnosticsRequest.check(namespaces, logLines, logByteCap, concurrency, budget);
        if (since.isPresent() && (since.get().isNegative() || since.get().isZero())) {
            throw EphemeraException.invalid("--since must be a positive duration such as 30m or 2h");
        }
    }

    /** Whose diagnostics. */
    public sealed interface Target {
    }

    /** A cluster in Ephemera's records: its stored CI kubeconfig is used, and its phases join the timeline. */
    public record ClusterTarget(ClusterId id) implements Target {
        public ClusterTarget {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Any cluster, through a kubeconfig (and optionally one of its contexts). */
    public record KubeconfigTarget(Secret kubeconfig, Optional<String> context) implements Target {
        public KubeconfigTarget {
            Objects.requireNonNull(kubeconfig, "kubeconfig");
            Objects.requireNonNull(context, "context");
        }

        @Override
        public String toString() {
            return "KubeconfigTarget[context=" + context + "]";
        }
    }
}
