package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;

/**
 * The {@code kubernetes:} section as the workload adapter reads it. The section is shared with
 * the canary adapter, whose keys are different.
 *
 * @param bootstrapTimeout how long {@code bootstrap} waits for the token controller to fill the CI token Secret
 * @param requestTimeout   connect and answer timeout of one request to a new API server (also one {@code /readyz} probe)
 */
record WorkloadSettings(Duration bootstrapTimeout, Duration requestTimeout) {
    static final Duration DEFAULT_BOOTSTRAP_TIMEOUT = Duration.ofMinutes(2);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** fabric8 takes timeouts as int milliseconds. */
    private static final Duration MAX = Duration.ofMillis(Integer.MAX_VALUE);

    static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional("bootstrap-timeout", "How long bootstrapping a new cluster waits for its token controller "
                    + "to fill the CI token Secret", "2m"),
            SettingSpec.optional("request-timeout", "Connect and answer timeout of one request to a new cluster's API server, "
                    + "including one /readyz probe", "10s"));

    WorkloadSettings {
        check("bootstrap-timeout", bootstrapTimeout);
        check("request-timeout", requestTimeout);
    }

    static WorkloadSettings defaults() {
        return new WorkloadSettings(DEFAULT_BOOTSTRAP_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    static WorkloadSettings from(Settings s) {
        return new WorkloadSettings(s.duration("bootstrap-timeout", DEFAULT_BOOTSTRAP_TIMEOUT),
                s.duration("request-timeout", DEFAULT_REQUEST_TIMEOUT));
    }

    private static void check(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero() || d.compareTo(MAX) > 0) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes." + key + " must be more than 0 and at most "
                    + MAX.toDays() + " days, got " + d);
        }
    }
}
