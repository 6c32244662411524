package dev.ephemera.ports.spi;

/** What every port shares: a readiness check for {@code /readyz}, and a close that frees what it holds. */
public interface Adapter extends AutoCloseable {
    /** Checks the adapter can reach what it needs; must not throw and should be quick. */
    default Health health() {
        return Health.up("no check");
    }

    @Override
    default void close() {
    }
}
