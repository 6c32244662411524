package dev.ephemera.adapters.kubernetes.leader;

import dev.ephemera.ports.leadership.Leadership;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a {@code coordination.k8s.io/v1} Lease with fabric8's {@code LeaderElector}.
 * The setting ({@code kubernetes.lease-duration}) is the promise: when the leader dies, another
 * process leads within it. fabric8's elector lets a candidate take the Lease once the Lease's own
 * duration has passed since the last renewal, and a candidate looks every retry period stretched by
 * up to 2.2× (its jitter factor 1.2). So the retry period is a fifteenth of the setting and the
 * Lease's own duration is the setting less 2.3 retry periods (12.7 s for 15 s): the last look lands
 * within the setting. The leader renews every retry period; if it cannot for the renew deadline (two
 * thirds of the Lease's duration) it steps down itself, before any other may take over.
 * fabric8's elector ends after losing the lead; this class starts it again, so a deposed process
 * stands for election once more. The callbacks run one at a time on a thread of this class's.
 */
final class KubernetesLeadership implements Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesLeadership.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Duration leaseDuration;
    private final boolean ownsClient;
    private final AtomicReference<String> leader = new AtomicReference<>();
    private volatile boolean leading;

    KubernetesLeadership(KubernetesClient client, String namespace, String leaseName, String identity, Duration leaseDuration, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = namespace;
        this.leaseName = leaseName;
        this.identity = identity;
        this.leaseDuration = leaseDuration;
        this.ownsClient = ownsClient;
    }

    @Override
    public AutoCloseable join(Runnable elected, Runnable deposed) {
        ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ephemera-leadership");
            t.setDaemon(true);
            return t;
        });
        Object lock = new Object();
        boolean[] closed = {false};
        AtomicReference<CompletableFuture<?>> running = new AtomicReference<>();
        Runnable[] stand = new Runnable[1];
        stand[0] = () -> {
            synchronized (lock) {
                if (closed[0]) {
                    return;
                }
                Duration retry = leaseDuration.dividedBy(15);
                Duration lease = leaseDuration.minus(retry.multipliedBy(23).dividedBy(10));
                Duration renew = lease.multipliedBy(2).dividedBy(3);
                LeaderCallbacks cb = new LeaderCallbacks(
                        () -> callbacks.execute(() -> {
                            leading = true;
                            LOG.info("elected leader lease={}/{} identity={}", namespace, leaseName, identity);
                            elected.run();
                        }),
                        () -> callbacks.execute(() -> {
                            if (leading) {
                                leading = false;
                                LOG.info("no longer the leader lease={}/{} identity={}", namespace, leaseName, identity);
                                deposed.run();
                            }
                        }),
                        who -> {
                            leader.set(who);
                            LOG.info("leader is identity={} lease={}/{}", who, namespace, leaseName);
                        });
                CompletableFuture<?> f = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                                .withName(leaseName)
                                .withLock(new LeaseLock(namespace, leaseName, identity))
                                .withLeaseDuration(lease).withRenewDeadline(renew).withRetryPeriod(retry)
                                .withReleaseOnCancel(true)
                                .withLeaderCallbacks(cb).build())
                        .build().start();
                running.set(f);
                // The elector ends when it loses the lead (or fails): stand again, unless we are closing.
                f.whenComplete((v, e) -> {
                    if (e != null && !(e instanceof java.util.concurrent.CancellationException)) {
                        LOG.warn("leader election ended error={}; standing again", e.toString());
                    }
                    callbacks.execute(() -> stand[0].run());
                });
            }
        };
        stand[0].run();
        return () -> {
            synchronized (lock) {
                closed[0] = true;
                CompletableFuture<?> f = running.get();
                if (f != null) {
                    f.cancel(true); // releaseOnCancel: the Lease is given up so another process takes over at once
                }
            }
            callbacks.execute(() -> {
                if (leading) {
                    leading = false;
                    deposed.run();
                }
            });
            callbacks.shutdown();
            try {
                if (!callbacks.awaitTermination(60, TimeUnit.SECONDS)) {
                    callbacks.shutdownNow();
                }
            } catch (InterruptedException e) {
                callbacks.shutdownNow();
                Thread.currentThread().interrupt();
            }
        };
    }

    @Override
    public boolean isLeader() {
        return leading;
    }

    @Override
    public Optional<String> leader() {
        return Optional.ofNullable(leader.get());
    }

    String identity() {
        return identity;
    }

    @Override
    public Health health() {
        try {
            Lease l = client.leases().inNamespace(namespace).withName(leaseName).get();
            String holder = l == null || l.getSpec() == null ? "nobody yet" : l.getSpec().getHolderIdentity();
            return Health.up("Lease " + namespace + "/" + leaseName + " held by " + holder + (leading ? " (this process)" : ""));
        } catch (KubernetesClientException e) {
            return Health.down("Lease " + namespace + "/" + leaseName + " cannot be read: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "KubernetesLeadership[" + namespace + "/" + leaseName + ", identity=" + identity + ", leaseDuration=" + leaseDuration + "]";
    }
}
