package dev.ephemera.ports.diagnostics;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to collect and within which bounds.
 *
 * @param kubeconfig   kubeconfig YAML giving access to the cluster (never printed)
 * @param context      the kubeconfig context to use, else its current one
 * @param namespaces   the namespaces to read; empty means all
 * @param since        only events and log lines newer than this, if given
 * @param logLines     last lines of each container's log to fetch
 * @param logByteCap   at most this many bytes kept per log (the newest ones)
 * @param concurrency  at most this many log fetches at once
 * @param budget       the whole collection ends within this time; what is not fetched by then is a gap
 */
public record DiagnosticsRequest(Secret kubeconfig, Optional<String> context, List<String> namespaces, Optional<Instant> since,
                                 int logLines, int logByteCap, int concurrency, Duration budget) {
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

    public DiagnosticsRequest {
        Objects.requireNonNull(kubeconfig, "kubeconfig");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(budget, "budget");
        namespaces = List.copyOf(namespaces);
        check(namespaces, logLines, logByteCap, concurrency, budget);
    }

    /** The rules on the bounds, for callers that check their input before collecting anything. */
    public static void check(List<String> namespaces, int logLines, int logByteCap, int concurrency, Duration budget) {
        for (String ns : namespaces) {
            if (ns == null || !ns.matches(DNS_LABEL)) {
                throw EphemeraException.invalid("namespace '" + ns + "' is not a valid name (lowercase letters, digits and '-', at most 63)");
            }
        }
        if (logLines < 1 || logLines > 100_000) {
            throw EphemeraException.invalid("log lines (--log-lines) must be between 1 and 100000, got " + logLines);
        }
        if (logByteCap < 1024 || logByteCap > 64 * 1024 * 1024) {
            throw EphemeraException.invalid("the log byte cap (--log-bytes) must be between 1024 and 67108864, got " + logByteCap);
        }
        if (concurrency < 1 || concurrency > 64) {
            throw EphemeraException.invalid("concurrency (--concurrency) must be between 1 and 64, got " + concurrency);
        }
        if (budget.isNegative() || budget.isZero() || budget.compareTo(Duration.ofHours(1)) > 0) {
            throw EphemeraException.invalid("the time budget (--timeout) must be positive and at most 1h, got " + budget);
        }
    }

    @Override
    public String toString() {
        return "DiagnosticsRequest[context=" + context + ", namespaces=" + namespaces + ", since=" + since + ", logLines=" + logLines
                + ", logByteCap=" + logByteCap + ", concurrency=" + concurrency + ", budget=" + budget + "]";
    }
}
