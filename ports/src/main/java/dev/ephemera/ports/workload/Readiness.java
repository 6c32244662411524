package dev.ephemera.ports.workload;

/** One answer of a new API server's {@code /readyz}: ready or not, with what was seen. */
public record Readiness(boolean ready, String detail) {
}
