package dev.ephemera.server;

import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.claims.ClaimObjectController;
import dev.ephemera.application.warmpool.WarmPools;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.ports.leadership.Leadership;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the leader does: drive clusters ({@link ClusterDriver}), keep the warm pools filled
 * ({@link WarmPools}) and, with {@code server.claims} set, answer claim objects ({@link ClaimObjectController}). Started when {@link Leadership} elects
 * this process, stopped when it is deposed; every process answers the REST API and webhooks either way.
 * On election the driver reads the store afresh, so a new leader resumes every unsettled cluster.
 */
final class LeaderDuties implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);

    private final Leadership leadership;
    private final ClusterDriver driver;
    private final WarmPools warmPools;
    private final Optional<ClaimObjectController> claims;
    private AutoCloseable membership;

    LeaderDuties(Ephemera ephemera, ClusterDriver driver, WarmPools warmPools) {
        this.leadership = ephemera.get(Leadership.class);
        this.driver = driver;
        this.warmPools = warmPools;
        // Built before joining, so a bad server.claims fails the start instead of the first election.
        this.claims = ephemera.config().claims().map(c -> ephemera.get(ClaimObjectController.class));
    }

    LeaderDuties join() {
        membership = leadership.join(this::elected, this::deposed);
        return this;
    }

    private void elected() {
        driver.start();
        warmPools.start(); // a no-op without warm-pools:
        claims.ifPresent(c -> {
            try {
                c.start();
            } catch (RuntimeException e) {
                // e.g. the CRD is not installed: the driver still drives; the controller tries again at the next election
                LOG.error("claim object controller did not start error={}", e.getMessage());
            }
        });
    }

    private void deposed() {
        claims.ifPresent(ClaimObjectController::close);
        warmPools.close();
        driver.close();
    }

    boolean isLeader() {
        return leadership.isLeader();
    }

    @Override
    public void close() {
        if (membership != null) {
            try {
                membership.close();
            } catch (Exception e) {
                LOG.warn("leaving the leader election failed error={}", e.toString());
            }
            membership = null;
        }
        deposed();
    }
}
