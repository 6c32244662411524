package dev.ephemera.ports.leadership;

import dev.ephemera.ports.spi.Adapter;

/**
 * Takes part in choosing one leader among the server processes sharing a store: the leader alone
 * drives clusters and answers claim objects; every process answers the REST API and webhooks.
 */
public interface Leadership extends Adapter {
    /**
     * Starts taking part. {@code elected} runs when this process becomes the leader, {@code deposed}
     * when it stops being one (lost the lease, or the handle was closed); they alternate, starting
     * with {@code elected}, each on a thread of the adapter's. Closing the handle stops taking part,
     * runs {@code deposed} if this process leads, and gives the leadership up so another process
     * can take it at once.
     */
    AutoCloseable join(Runnable elected, Runnable deposed);

    /** Whether this process leads now. */
    boolean isLeader();

    /** Who leads, as far as this process knows (an identity chosen by the adapter), or empty. */
    java.util.Optional<String> leader();
}
