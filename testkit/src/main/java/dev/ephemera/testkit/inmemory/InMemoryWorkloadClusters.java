package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double: an API server that becomes ready after a number of probes and hands out a fixed
 * token. Never registered for production use.
 */
public final class InMemoryWorkloadClusters implements WorkloadClusters {
    /** A syntactically PEM-shaped CA for kubeconfig models; not a real certificate. */
    public static final String FAKE_CA_PEM = "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n";

    private final AtomicInteger probesUntilReady;
    private final AtomicInteger bootstraps = new AtomicInteger();
    private final AtomicInteger rotations = new AtomicInteger();
    private final java.util.Map<java.net.URI, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public InMemoryWorkloadClusters(int probesUntilReady) {
        this.probesUntilReady = new AtomicInteger(probesUntilReady);
    }

    public int bootstraps() {
        return bootstraps.get();
    }

    @Override
    public Readiness probe(AdminAccess access) {
        return probesUntilReady.getAndDecrement() > 0 ? new Readiness(false, "connection refused") : new Readiness(true, "ok");
    }

    @Override
    public CiCredentials bootstrap(AdminAccess access, CiAccount account) {
        bootstraps.incrementAndGet();
        String token = tokens.computeIfAbsent(access.server(), s -> "token-for-" + s.getHost());
        return new CiCredentials(Secret.of(token), FAKE_CA_PEM);
    }

    /** As the real adapter: the old token Secret goes (its token is refused from now on) and a new token is minted. */
    @Override
    public CiCredentials rotateToken(AdminAccess access, CiAccount account) {
        rotations.incrementAndGet();
        String token = "token-" + java.util.UUID.randomUUID();
        tokens.put(access.server(), token);
        return new CiCredentials(Secret.of(token), FAKE_CA_PEM);
    }

    /** Whether the API server at {@code server} would accept {@code token} as the CI account's: only its latest token. */
    public boolean accepts(java.net.URI server, String token) {
        return token.equals(tokens.get(server));
    }

    public int rotations() {
        return rotations.get();
    }
}
