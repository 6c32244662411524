package dev.ephemera.domain.lease;

/**
 * A value as a store last saw it, with the store's version of it. A store only needs
 * compare-and-set: write the next value if the version is still this one.
 */
public record Versioned<T>(T value, long version) {
    public Versioned {
        if (value == null) {
            throw new IllegalArgumentException("value must not be null");
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative");
        }
    }
}
