package dev.ephemera.application.canary;

import dev.ephemera.domain.canary.Verdict;
import dev.ephemera.domain.canary.VerifierMode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to one webhook: the HTTP status Flagger sees and what to tell the people reading
 * the Canary's events.
 *
 * @param status     200, 202, 404, 500 or 503 (the mode's mapping of the verdict)
 * @param verdict    what was found
 * @param mode       the mode that answered
 * @param job        the test Job's name (absent when there is no spec)
 * @param message    one sentence for a person
 * @param reason     the Job's failure reason, or why the answer is what it is
 * @param logTail    the last lines of the failed pod's log (failed answers only)
 * @param retryAfter when to call again (a gate hold that ran out)
 */
public record VerifierAnswer(
        int status,
        Verdict verdict,
        VerifierMode mode,
        Optional<String> job,
        String message,
        Optional<String> reason,
        List<String> logTail,
        Optional<Duration> retryAfter) {

    public VerifierAnswer {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(mode, "mode");
        job = Objects.requireNonNullElse(job, Optional.empty());
        Objects.requireNonNull(message, "message");
        reason = Objects.requireNonNullElse(reason, Optional.empty());
        logTail = List.copyOf(Objects.requireNonNullElse(logTail, List.of()));
        retryAfter = Objects.requireNonNullElse(retryAfter, Optional.empty());
    }

    /** What Flagger makes of it: every status up to 202 is a pass (fluxcd/flagger pkg/controller/webhook.go). */
    public boolean flaggerPasses() {
        return status <= 202;
    }
}
