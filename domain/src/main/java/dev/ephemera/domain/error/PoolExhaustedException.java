package dev.ephemera.domain.error;

/** An IP pool has no free address for a new holder. */
public final class PoolExhaustedException extends EphemeraException {
    private static final long serialVersionUID = 1L;

    private final String pool;

    public PoolExhaustedException(String pool, int size) {
        super(ErrorCode.POOL_EXHAUSTED, "pool '" + pool + "' is exhausted: all " + size
                + " addresses are leased; release one (ephemera pool release HOLDER --pool " + pool
                + ") or widen the pool");
        this.pool = pool;
    }

    public String pool() {
        return pool;
    }
}
