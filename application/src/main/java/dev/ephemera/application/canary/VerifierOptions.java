package dev.ephemera.application.canary;

import dev.ephemera.domain.canary.HoldPolicy;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The verifier's server settings.
 *
 * @param mode         the default mode; a canary may override it with webhook metadata {@code mode}
 * @param hold         how long gate mode holds a request, and the Retry-After when that runs out
 * @param logTailLines how many log lines of a failed pod a 500 answer carries
 * @param syncWait     how long a request waits for the first full cache listing before it is answered 503
 */
public record VerifierOptions(VerifierMode mode, HoldPolicy hold, int logTailLines, Duration syncWait) {
    public static final VerifierOptions DEFAULT = new VerifierOptions(VerifierMode.GATE, HoldPolicy.DEFAULT, 40, Duration.ofSeconds(10));

    /** The {@code canary:} section of {@code ephemera.yaml}; {@code token} is read by the server's webhook route. */
    public static final List<SettingSpec> SETTINGS = List.of(
            SettingSpec.optional("mode", "gate (hold until the Job ends; never a pass before it succeeded) or seed (k8s-e2e-verifier's 200/202/404/500); "
                    + "a canary's webhook metadata 'mode' overrides it", "gate"),
            SettingSpec.optional("hold-cap", "Longest a gate-mode webhook is held; Flagger's webhook timeout must be longer", "15m"),
            SettingSpec.optional("hold-margin", "Added to the Job's activeDeadlineSeconds when holding", "15s"),
            SettingSpec.optional("retry-after", "Retry-After of the 503 answered when a hold runs out", "5s"),
            SettingSpec.optional("log-tail-lines", "Lines of the failed pod's log in a failed answer", "40"),
            SettingSpec.optional("sync-wait", "How long a webhook waits for the first Kubernetes listing after start", "10s"),
            SettingSpec.secret("token", "Token POST /webhook requires, as 'Authorization: Bearer' or webhook metadata 'token' "
                    + "(Flagger cannot send headers); none means open", false));

    /** Reads the {@code canary:} section. */
    public static VerifierOptions from(Settings s) {
        try {
            HoldPolicy hold = new HoldPolicy(s.duration("hold-cap", DEFAULT.hold().cap()), s.duration("hold-margin", DEFAULT.hold().margin()),
                    s.duration("retry-after", DEFAULT.hold().retryAfter()));
            return new VerifierOptions(VerifierMode.parse(s.string("mode", "gate")), hold, s.integer("log-tail-lines", DEFAULT.logTailLines()),
                    s.duration("sync-wait", DEFAULT.syncWait()));
        } catch (EphemeraException e) {
            throw e.code() == ErrorCode.CONFIGURATION ? e : new EphemeraException(ErrorCode.CONFIGURATION, s.path() + ": " + e.getMessage(), e);
        }
    }

    public VerifierOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(syncWait, "syncWait");
        if (logTailLines < 0 || logTailLines > 1000) {
            throw EphemeraException.invalid("log tail lines must be between 0 and 1000, got " + logTailLines);
        }
    }

    public VerifierOptions withMode(VerifierMode m) {
        return new VerifierOptions(m, hold, logTailLines, syncWait);
    }

    public VerifierOptions withHold(HoldPolicy h) {
        return new VerifierOptions(mode, h, logTailLines, syncWait);
    }
}
