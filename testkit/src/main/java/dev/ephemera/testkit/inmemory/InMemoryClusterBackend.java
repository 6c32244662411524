package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.domain.secret.Secret;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test double: a backend whose "servers" are map entries. It can simulate latency (a cluster
 * reports {@code CREATING} for a number of observations) and faults (the next create fails with a
 * given error). Never registered for production use.
 */
public final class InMemoryClusterBackend implements ClusterBackend, dev.ephemera.ports.backend.Hibernation {
    private final BackendTraits traits;
    private final Map<ClusterId, Server> servers = new ConcurrentHashMap<>();
    private final AtomicInteger creates = new AtomicInteger();
    private final AtomicInteger ensureCalls = new AtomicInteger();
    private final Map<ClusterId, AtomicInteger> ensureCallsById = new ConcurrentHashMap<>();
    private final AtomicReference<EphemeraException> nextCreateFailure = new AtomicReference<>();
    private volatile int observationsUntilRunning;
    private volatile java.time.Duration ensureRendezvous = java.time.Duration.ZERO;
    private final Map<ClusterId, java.util.concurrent.CountDownLatch> rendezvous = new ConcurrentHashMap<>();

    private final java.util.Set<ClusterId> stopped = ConcurrentHashMap.newKeySet();
    private final java.util.Set<ClusterId> neverWake = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hibernations = new AtomicInteger();
    private final AtomicInteger resumes = new AtomicInteger();

    public InMemoryClusterBackend(BackendTraits traits, int observationsUntilRunning) {
        this.traits = traits;
        this.observationsUntilRunning = observationsUntilRunning;
    }

    /** An instant backend: running as soon as created, with its own admin access. */
    public static InMemoryClusterBackend instant() {
        return new InMemoryClusterBackend(new BackendTraits(Optional.empty(), false), 0);
    }

    private static final class Server {
        final ProvisionRequest request;
        final AtomicInteger observations = new AtomicInteger();

        Server(ProvisionRequest request) {
            this.request = request;
        }
    }

    public void failNextCreate(EphemeraException e) {
        nextCreateFailure.set(e);
    }

    public void setObservationsUntilRunning(int n) {
        this.observationsUntilRunning = n;
    }

    /** How many servers were really created (a second create for the same id does not count). */
    public int creates() {
        return creates.get();
    }

    /**
     * Makes races visible: each {@code ensure} waits up to {@code window} for a second concurrent
     * {@code ensure} of the same cluster, so two callers that could both be inside it at once
     * always are (and {@link #ensureCalls(ClusterId)} shows 2). A lone caller goes on after the window.
     */
    public void holdEnsureFor(java.time.Duration window) {
        this.ensureRendezvous = window;
    }

    /** How many times {@code ensure} was called at all, repeats for one id included. */
    public int ensureCalls() {
        return ensureCalls.get();
    }

    /** How many times {@code ensure} was called for {@code id}. */
    public int ensureCalls(ClusterId id) {
        return Optional.ofNullable(ensureCallsById.get(id)).map(AtomicInteger::get).orElse(0);
    }

    public int serverCount() {
        return servers.size();
    }

    public Optional<ProvisionRequest> request(ClusterId id) {
        return Optional.ofNullable(servers.get(id)).map(s -> s.request);
    }

    @Override
    public BackendTraits traits() {
        return traits;
    }

    @Override
    public BackendRef ensure(ProvisionRequest request) {
        ensureCalls.incrementAndGet();
        ensureCallsById.computeIfAbsent(request.id(), k -> new AtomicInteger()).incrementAndGet();
        java.time.Duration window = ensureRendezvous;
        if (!window.isZero()) {
            java.util.concurrent.CountDownLatch meet = rendezvous.computeIfAbsent(request.id(), k -> new java.util.concurrent.CountDownLatch(2));
            meet.countDown();
            try {
                meet.await(window.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        EphemeraException failure = nextCreateFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
        servers.computeIfAbsent(request.id(), id -> {
            creates.incrementAndGet();
            return new Server(request);
        });
        return new BackendRef("in-memory", "server-" + request.id());
    }

    @Override
    public Observation observe(ClusterId id) {
        Server s = servers.get(id);
        if (s == null) {
            return Observation.absent();
        }
        if (stopped.contains(id)) {
            return new Observation(Observation.State.FAILED, Optional.empty(), "stopped");
        }
        if (s.observations.incrementAndGet() <= observationsUntilRunning) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "booting");
        }
        String ip = s.request.address().orElse("127.0.0.1");
        return new Observation(Observation.State.RUNNING, Optional.of(new Endpoint(URI.create("https://" + ip + ":6443"),
                Optional.of(id.value() + ".test"), Optional.of(ip))), "running");
    }

    @Override
    public void destroy(ClusterId id) {
        servers.remove(id);
        stopped.remove(id);
    }

    @Override
    public List<OwnedResource> owned() {
        List<OwnedResource> out = new ArrayList<>();
        servers.forEach((id, s) -> out.add(new OwnedResource("server", "server-" + id, Optional.of(id.value()), "in-memory server")));
        return out;
    }

    @Override
    public Optional<AdminAccess> ownAdminAccess(ClusterId id) {
        // One server URL per cluster (the path tells them apart), so a fake workload keeps one token per cluster.
        return Optional.ofNullable(servers.get(id)).map(s -> new AdminAccess(URI.create("https://127.0.0.1:6443/in-memory/" + id.value()),
                InMemoryWorkloadClusters.FAKE_CA_PEM, InMemoryWorkloadClusters.FAKE_CA_PEM, Secret.of("in-memory-key")));
    }

    /** Used by tests that simulate a server the store forgot (an orphan). */
    public void adopt(ProvisionRequest request) {
        servers.put(request.id(), new Server(request));
    }

    @Override
    public Optional<String> hibernationRefusal() {
        return Optional.empty();
    }

    /** Stops the "server": it observes as {@code FAILED} ("stopped") until resumed. */
    @Override
    public void hibernate(ClusterId id) {
        if (servers.containsKey(id)) {
            hibernations.incrementAndGet();
            stopped.add(id);
        }
    }

    @Override
    public void resume(ClusterId id) {
        resumes.incrementAndGet();
        if (!neverWake.contains(id)) {
            stopped.remove(id);
        }
    }

    /** Simulates a member that never wakes: resuming {@code id} leaves it stopped. */
    public void neverWake(ClusterId id) {
        neverWake.add(id);
    }

    public boolean isStopped(ClusterId id) {
        return stopped.contains(id);
    }

    public int hibernations() {
        return hibernations.get();
    }

    public int resumes() {
        return resumes.get();
    }
}
