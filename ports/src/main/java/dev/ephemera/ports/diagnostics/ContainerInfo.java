package dev.ephemera.ports.diagnostics;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One container of a pod.
 *
 * @param state                 {@code waiting}, {@code running}, {@code terminated} or {@code unknown} (no status yet)
 * @param reason                the reason of the current state (e.g. {@code CrashLoopBackOff}, {@code Completed})
 * @param exitCode              the exit code, when terminated
 * @param lastTerminationReason why the previous instance ended (e.g. {@code Error}, {@code OOMKilled}), after a restart
 */
public record ContainerInfo(String name, String image, boolean init, boolean ready, int restarts, String state, Optional<String> reason,
                            Optional<String> message, Optional<Integer> exitCode, Optional<String> lastTerminationReason,
                            Optional<Integer> lastExitCode, Optional<Instant> lastFinishedAt) {
    public ContainerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(lastTerminationReason, "lastTerminationReason");
        Objects.requireNonNull(lastExitCode, "lastExitCode");
        Objects.requireNonNull(lastFinishedAt, "lastFinishedAt");
        if (restarts < 0) {
            throw new IllegalArgumentException("restarts must not be negative");
        }
    }
}
