package dev.ephemera.ports.diagnostics;

import java.util.Objects;
import java.util.Optional;

/**
 * The tail of one container's log, or why it could not be read.
 *
 * @param previous  the log of the previous (restarted) instance
 * @param text      the last lines, at most the byte cap; empty when it could not be read
 * @param truncated whether older bytes were dropped to keep within the byte cap
 * @param error     why it could not be read, when it could not
 */
public record ContainerLog(String namespace, String pod, String container, boolean previous, Optional<String> text, boolean truncated,
                           Optional<String> error) {
    public ContainerLog {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(error, "error");
        if (text.isEmpty() == error.isEmpty()) {
            throw new IllegalArgumentException("a container log has either text or an error");
        }
    }

    public static ContainerLog read(String namespace, String pod, String container, boolean previous, String text, boolean truncated) {
        return new ContainerLog(namespace, pod, container, previous, Optional.of(text), truncated, Optional.empty());
    }

    public static ContainerLog failed(String namespace, String pod, String container, boolean previous, String error) {
        return new ContainerLog(namespace, pod, container, previous, Optional.empty(), false, Optional.of(error));
    }
}
