package dev.ephemera.application.warmpool;

import dev.ephemera.application.ClaimOutcome;
import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.Credentials;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.domain.warmpool.PoolMembership;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import dev.ephemera.domain.warmpool.WhenEmpty;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.Hibernation;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm pools (docs/warm-pools.md): keeps each configured pool filled with Ready clusters, hands
 * one to a claim that names the pool or matches its spec, and stops members idle too long where
 * the backend can.
 *
 * <ul>
 *   <li><b>Members</b> are ordinary cluster records marked with {@link PoolMembership#POOL},
 *       inserted in {@code Requested} within the global and per-backend caps and brought up by
 *       the normal {@code Reconciler} (the server's driver hears each insert). At most
 *       {@code max-concurrent} come up at once, at most {@code max-size} live at once.</li>
 *   <li><b>A claim</b> takes a Ready member with one compare-and-set through the
 *       {@link ClusterRepository}: the member is <em>aliased</em> to the claim's id (its own id,
 *       resources, lease and credentials stay), so two claims never get one member. Then a fresh
 *       CI token is issued ({@link WorkloadClusters#rotateToken}) so the pool's earlier token is
 *       refused, the kubeconfig is rendered with it and pushed to the claim's sinks, and the claim
 *       lifetime applies. A member that cannot be handed over (it does not wake, its token cannot
 *       be rotated) is deleted — the pool replaces it — and the next member is tried.</li>
 *   <li><b>Hibernation</b>: an unclaimed member Ready for {@code hibernate-after} is marked and
 *       stopped through the backend's {@link Hibernation}; a claim resumes it and waits for
 *       {@code /readyz} within {@code resume-timeout}. Stopping and resuming one member hold its
 *       step lease, so a stop never lands after a claim's resume.</li>
 * </ul>
 */
@Singleton
public final class WarmPools implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WarmPools.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration FIRST_POLL = Duration.ofMillis(20);
    private static final Duration POLL_CAP = Duration.ofSeconds(2);
    /** Lost saves of a claimed member's final note before giving up (nobody else should write a claimed member meanwhile). */
    private static final int NOTE_ATTEMPTS = 5;

    private final ClusterRepository repository;
    private final Provider<ClusterBackends> backends;
    private final Provider<WorkloadClusters> workload;
    private final Provider<SecretSinks> sinks;
    private final Clusters clusters;
    private final Policies policies;
    private final ControlPlane controlPlane;
    private final Clock clock;
    private final ClusterEvents events;
    private final WarmPoolSettings settings;
    private final String holder = "warm-pools-" + UUID.randomUUID();
    private final Map<String, String> refillBlocked = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile Sleeper sleeper = Sleeper.SYSTEM;
    private volatile ScheduledExecutorService keeper;
    private AutoCloseable subscription;

    @Inject
    public WarmPools(ClusterRepository repository, Provider<ClusterBackends> backends, Provider<WorkloadClusters> workload,
                     Provider<SecretSinks> sinks, Clusters clusters, Policies policies, ControlPlane controlPlane, Clock clock,
                     ClusterEvents events, WarmPoolSettings settings) {
        this.repository = repository;
        this.backends = backends;
        this.workload = workload;
        this.sinks = sinks;
        this.clusters = clusters;
        this.policies = policies;
        this.controlPlane = controlPlane;
        this.clock = clock;
        this.events = events;
        this.settings = settings;
    }

    /** Test seam: how waits for a member (resume, {@code when-empty: wait}) pause between looks. */
    public void setSleeper(Sleeper s) {
        this.sleeper = s == null ? Sleeper.SYSTEM : s;
    }

    public List<WarmPoolSpec> pools() {
        return settings.pools();
    }

    /** @throws EphemeraException NOT_FOUND for a pool that is not configured */
    public WarmPoolSpec pool(String name) {
        return settings.pool(name).orElseThrow(() -> EphemeraException.notFound("warm pool '" + name + "' is not configured"
                + (settings.pools().isEmpty() ? "; add it under warm-pools: in the configuration (docs/warm-pools.md)"
                : "; configured: " + String.join(", ", settings.pools().stream().map(WarmPoolSpec::name).toList())
                + " (ephemera warm-pool list)")));
    }

    /**
     * Checks at start what the configuration cannot: each pool's backend is installed, and a pool
     * that hibernates is on a backend that can.
     *
     * @throws EphemeraException CONFIGURATION naming the pool and the key
     */
    public void requireUsable() {
        for (WarmPoolSpec p : settings.pools()) {
            ClusterBackends b = backends.get();
            if (!b.names().contains(p.backend())) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "warm-pools." + p.name() + ".backend: backend '" + p.backend()
                        + "' is not installed; installed: " + String.join(", ", new java.util.TreeSet<>(b.names())));
            }
            if (p.hibernateAfter().isPresent()) {
                Optional<String> refusal = hibernationRefusal(p.backend(), b.named(p.backend()));
                if (refusal.isPresent()) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "warm-pools." + p.name() + ".hibernate-after: " + refusal.get()
                            + "; remove hibernate-after from the pool");
                }
            }
        }
    }

    private static Optional<String> hibernationRefusal(String name, ClusterBackend backend) {
        if (backend instanceof Hibernation h) {
            return h.hibernationRefusal();
        }
        return Optional.of("backend " + name + " cannot hibernate clusters (not supported: it cannot stop and start a cluster's nodes)");
    }

    // ---------------------------------------------------------------- claims

    /**
     * A claim, served from a warm pool when it names one ({@code fromPool}) or matches one's
     * backend and spec, else recorded as an ordinary claim through {@link Clusters#submit}.
     * Claiming the same id again returns the same cluster ({@code created} false).
     *
     * @throws EphemeraException NOT_FOUND for an unknown pool, INVALID for a backend other than the
     *         pool's or a ttl beyond the pool's maximum, TIMEOUT when {@code when-empty: wait}
     *         found no member in time
     */
    public ClaimOutcome submit(ClaimRequest r, Optional<String> fromPool) {
        // One read of the store serves both the repeated-claim check and the first look for a free member.
        List<Cluster> snapshot = settings.pools().isEmpty() ? List.of() : repository.list();
        Optional<Cluster> aliased = snapshot.stream().filter(c -> PoolMembership.isAliasOf(c, r.id())).findFirst();
        if (aliased.isPresent() && repository.find(r.id()).isEmpty()) {
            return new ClaimOutcome(aliased.get(), false); // the same claim again: the member it took
        }
        Optional<WarmPoolSpec> pool = fromPool.isPresent() ? Optional.of(pool(fromPool.get()))
                : settings.pools().stream().filter(p -> p.matches(r.backend(), r.spec())).findFirst();
        if (pool.isEmpty()) {
            return clusters.submit(r);
        }
        WarmPoolSpec p = pool.get();
        if (!p.backend().equals(r.backend())) {
            throw EphemeraException.invalid("warm pool " + p.name() + " runs on backend " + p.backend() + ", not " + r.backend()
                    + "; leave the backend out or name " + p.backend());
        }
        if (repository.find(r.id()).isPresent()) {
            return clusters.submit(r); // the id names an ordinary cluster already: the same answer as any repeated claim
        }
        Duration lifetime = p.lifetimeFor(r.ttl());
        if (lifetime.compareTo(policies.maxLifetime()) > 0) {
            throw EphemeraException.invalid("ttl " + DurationText.format(lifetime) + " is longer than the maximum lifetime of "
                    + DurationText.format(policies.maxLifetime()) + " (policies.max-lifetime)");
        }
        if (r.heartbeat().isPresent() && r.heartbeat().get().compareTo(Cluster.MIN_HEARTBEAT) < 0) {
            throw EphemeraException.invalid("heartbeat " + DurationText.format(r.heartbeat().get()) + " is too short: use at least "
                    + DurationText.format(Cluster.MIN_HEARTBEAT));
        }
        Instant started = clock.instant();
        Instant waitUntil = p.whenEmpty() == WhenEmpty.WAIT ? started.plus(p.waitTimeout()) : started;
        int polls = 0;
        while (true) {
            Optional<Cluster> taken = takeAny(p, r, lifetime, started, polls == 0 ? snapshot : repository.list());
            if (taken.isPresent()) {
                refillSoon(p);
                return new ClaimOutcome(taken.get(), true);
            }
            refillSoon(p);
            if (p.whenEmpty() == WhenEmpty.FALLBACK) {
                LOG.info("warm pool empty, falling back to a normal claim pool={} claim={}", p.name(), r.id());
                return clusters.submit(new ClaimRequest(r.id(), r.owner(), p.backend(), p.spec(), Optional.of(lifetime), r.pushTo(),
                        r.keepOnFailure(), r.heartbeat(), r.queue()));
            }
            // Another claim of the same id may have been served while this one waited.
            Optional<Cluster> won = aliasOf(r.id());
            if (won.isPresent()) {
                return new ClaimOutcome(won.get(), false);
            }
            if (!clock.instant().isBefore(waitUntil)) {
                throw EphemeraException.timeout("warm pool " + p.name() + " had no Ready member within its wait-timeout of "
                        + DurationText.format(p.waitTimeout()) + "; see it with: ephemera warm-pool show " + p.name());
            }
            pause(RetryPolicy.polling(FIRST_POLL, POLL_CAP).backoff(++polls));
        }
    }

    /** The live member a claim of {@code alias} took, if any. */
    public Optional<Cluster> aliasOf(ClusterId alias) {
        return repository.list().stream().filter(c -> PoolMembership.isAliasOf(c, alias)).findFirst();
    }

    /** Tries the free members, awake ones first, oldest Ready first, until one is handed over. */
    private Optional<Cluster> takeAny(WarmPoolSpec p, ClaimRequest r, Duration lifetime, Instant started, List<Cluster> all) {
        List<Cluster> free = all.stream()
                .filter(c -> PoolMembership.isUnclaimedMemberOf(c, p.name()) && c.phase() == Phase.READY && c.backend().equals(p.backend()))
                .sorted(Comparator.comparing((Cluster c) -> PoolMembership.hibernated(c))
                        .thenComparing(c -> c.readyAt().orElse(c.phaseSince())))
                .toList();
        for (Cluster listed : free) {
            Optional<Cluster> got = claimMember(listed, p, r, lifetime);
            if (got.isEmpty()) {
                continue;
            }
            Cluster taken = got.get();
            events.saw(taken);
            try {
                return Optional.of(handOver(taken, p, started));
            } catch (EphemeraException e) {
                LOG.warn("warm pool member could not be handed over, replacing it pool={} member={} claim={} code={} reason={}", p.name(),
                        taken.id(), r.id(), e.code(), e.getMessage());
                discard(taken.id(), "not handed to claim " + r.id() + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * The compare-and-set that takes one member: empty when another claim got it first. A save lost
     * to a writer that left the member free (the keeper marking it hibernated, a stale list) is
     * tried once more on the fresh record.
     */
    private Optional<Cluster> claimMember(Cluster listed, WarmPoolSpec p, ClaimRequest r, Duration lifetime) {
        Cluster m = listed;
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                return Optional.of(repository.update(PoolMembership.claim(m, r.id(), r.owner(), r.pushTo(), lifetime, r.heartbeat(),
                        r.keepOnFailure(), clock.instant())));
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.CONFLICT && e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                Optional<Cluster> fresh = repository.find(m.id());
                if (fresh.isEmpty() || fresh.get().phase() != Phase.READY || !PoolMembership.isUnclaimedMemberOf(fresh.get(), p.name())) {
                    return Optional.empty(); // another claim (or the reaper) got there first: the next member
                }
                m = fresh.get();
            }
        }
        return Optional.empty();
    }

    /** Wakes the member if it sleeps, issues a fresh CI token, stores and pushes the kubeconfig. */
    private Cluster handOver(Cluster taken, WarmPoolSpec p, Instant started) {
        ClusterBackend backend = backends.get().named(taken.backend());
        Cluster c = taken;
        String resumed = "";
        if (PoolMembership.hibernated(c)) {
            Instant t0 = clock.instant();
            c = resume(c, p, backend);
            resumed = "; resumed from hibernation in " + DurationText.format(Duration.between(t0, clock.instant()));
        }
        Endpoint endpoint = c.endpoint().orElseThrow(() -> EphemeraException.unavailable("member " + taken.id() + " has no endpoint", null));
        CiCredentials creds = workload.get().rotateToken(adminAccess(c, backend, endpoint), CiAccount.defaults());
        repository.putCredential(c.id(), Credentials.CI_TOKEN, creds.token());
        Secret kubeconfig = KubeconfigYaml.render(new Kubeconfig(c.id().value(), endpoint.apiUrl(), creds.caPem(),
                new KubeUser.Token(creds.token()), Optional.empty()));
        repository.putCredential(c.id(), Credentials.KUBECONFIG, kubeconfig);
        List<SinkTarget> targets = targets(c);
        for (SinkTarget t : targets) {
            sinks.get().named(t.sink()).put(new SecretAddress(t.scope(), t.environment(), t.name()), kubeconfig);
        }
        String note = "fresh CI token issued (the pool's earlier token is revoked); kubeconfig pushed to "
                + (targets.isEmpty() ? "no sink" : targets.toString()) + resumed + "; handed over in "
                + DurationText.format(Duration.between(started, clock.instant()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        return saveNote(c.id(), note);
    }

    private Cluster saveNote(ClusterId id, String note) {
        for (int attempt = 1; ; attempt++) {
            Cluster now = repository.find(id).orElseThrow(() -> EphemeraException.notFound("member " + id + " vanished while being claimed"));
            try {
                Cluster saved = repository.update(now.note(clock.instant(), note));
                events.saw(saved);
                return saved;
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.CONFLICT || attempt >= NOTE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * Starts a hibernated member and waits for its {@code /readyz} within the pool's resume
     * timeout, holding the member's step lease so a keeper's stop cannot land in between.
     */
    private Cluster resume(Cluster c, WarmPoolSpec p, ClusterBackend backend) {
        Instant deadline = clock.instant().plus(p.resumeTimeout());
        if (!(backend instanceof Hibernation h)) {
            throw EphemeraException.backend("member " + c.id() + " is marked hibernated but backend " + c.backend() + " cannot resume it", null);
        }
        int polls = 0;
        while (!repository.acquireStepLease(c.id(), holder, clock.instant(), p.resumeTimeout())) {
            if (!clock.instant().isBefore(deadline)) {
                throw EphemeraException.timeout("member " + c.id() + " stayed locked by another process for resume-timeout");
            }
            pause(RetryPolicy.polling(FIRST_POLL, POLL_CAP).backoff(++polls));
        }
        try {
            h.resume(c.id());
            String last = "not observed yet";
            polls = 0;
            while (true) {
                Observation seen = backend.observe(c.id());
                if (seen.state() == Observation.State.RUNNING && seen.endpoint().isPresent()) {
                    Readiness ready = workload.get().probe(adminAccess(c, backend, seen.endpoint().get()));
                    if (ready.ready()) {
                        Cluster fresh = repository.find(c.id()).orElseThrow();
                        Cluster woken = PoolMembership.withHibernated(fresh.withEndpoint(seen.endpoint().get()), false, clock.instant(),
                                "resumed; /readyz answered ok");
                        Cluster saved = repository.update(woken);
                        events.saw(saved);
                        return saved;
                    }
                    last = "/readyz: " + ready.detail();
                } else {
                    last = seen.state() + ": " + seen.detail();
                }
                if (!clock.instant().isBefore(deadline)) {
                    throw EphemeraException.timeout("member " + c.id() + " did not wake within resume-timeout "
                            + DurationText.format(p.resumeTimeout()) + " (last seen " + last + ")");
                }
                pause(RetryPolicy.polling(FIRST_POLL, POLL_CAP).backoff(++polls));
            }
        } finally {
            repository.releaseStepLease(c.id(), holder);
        }
    }

    /** Moves a member that cannot serve to Deleting; the driver removes it and the keeper replaces it. */
    private void discard(ClusterId id, String reason) {
        for (int attempt = 1; attempt <= NOTE_ATTEMPTS; attempt++) {
            Optional<Cluster> c = repository.find(id);
            if (c.isEmpty() || !c.get().phase().canMoveTo(Phase.DELETING)) {
                return;
            }
            try {
                events.saw(repository.update(c.get().moveTo(Phase.DELETING, clock.instant(), reason)));
                return;
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.CONFLICT) {
                    throw e;
                }
            }
        }
    }

    /** The claim's own push targets, then one per default sink (scope = the member's id), as the reconciler pushes and deletes them. */
    private List<SinkTarget> targets(Cluster c) {
        List<SinkTarget> out = new ArrayList<>(c.sinks());
        for (String s : controlPlane.defaultSinks()) {
            SinkTarget t = new SinkTarget(s, c.id().value(), Optional.empty(), "kubeconfig");
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private AdminAccess adminAccess(Cluster c, ClusterBackend backend, Endpoint endpoint) {
        if (!backend.traits().usesEphemeraPki()) {
            return backend.ownAdminAccess(c.id()).orElseThrow(() -> EphemeraException.unavailable(
                    "backend " + c.backend() + " has no admin access for " + c.id(), null));
        }
        Secret index = repository.credential(c.id(), Credentials.PKI_INDEX).orElseThrow(() -> new EphemeraException(ErrorCode.INTERNAL,
                "member " + c.id() + " has no stored PKI bundle"));
        List<BundleFile> files = new ArrayList<>();
        for (String path : index.reveal().split("\n")) {
            Secret content = repository.credential(c.id(), Credentials.PKI_PREFIX + path).orElseThrow(() -> new EphemeraException(
                    ErrorCode.INTERNAL, "member " + c.id() + " lost PKI file " + path));
            files.add(new BundleFile(path, content, path.endsWith(".key")));
        }
        PkiBundle b = new PkiBundle(files);
        return new AdminAccess(endpoint.apiUrl(), b.serverCaPem(), b.adminCertPem(), b.adminKeyPem());
    }

    // ---------------------------------------------------------------- keeping the pools

    /** What one look at the pools did. */
    public record Tick(List<ClusterId> created, List<ClusterId> hibernated, Map<String, String> blocked) {
        public Tick {
            created = List.copyOf(created);
            hibernated = List.copyOf(hibernated);
            blocked = Map.copyOf(blocked);
        }
    }

    /** Refills every pool and hibernates idle members, once. The server's keeper calls it; so does {@code warm-pool fill}. */
    public Tick tick() {
        List<ClusterId> created = new ArrayList<>();
        List<ClusterId> slept = new ArrayList<>();
        Map<String, String> blocked = new java.util.TreeMap<>();
        List<Cluster> all = repository.list();
        for (WarmPoolSpec p : settings.pools()) {
            try {
                refill(p, all, created).ifPresent(why -> blocked.put(p.name(), why));
                hibernateIdle(p, all, slept);
            } catch (EphemeraException e) {
                LOG.warn("warm pool upkeep failed pool={} code={} reason={}", p.name(), e.code(), e.getMessage());
                blocked.put(p.name(), e.getMessage());
            }
        }
        refillBlocked.clear();
        refillBlocked.putAll(blocked);
        return new Tick(created, slept, blocked);
    }

    /** Tops up one pool now (after a claim took a member), on the keeper's thread if it runs, else on the caller's. */
    private void refillSoon(WarmPoolSpec p) {
        ScheduledExecutorService k;
        synchronized (lifecycle) {
            k = keeper;
        }
        if (k == null) {
            return; // no keeper in this process (the CLI): `warm-pool fill` or a server refills
        }
        try {
            k.execute(() -> {
                try {
                    refill(p, repository.list(), new ArrayList<>()).ifPresent(why -> refillBlocked.put(p.name(), why));
                } catch (RuntimeException e) {
                    LOG.warn("warm pool refill failed pool={} error={}", p.name(), e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("keeper stopped; refill skipped pool={}", p.name());
        }
    }

    /** Creates the members the pool lacks, within its own limits and the global caps; why it stopped short, if it did. */
    private synchronized Optional<String> refill(WarmPoolSpec p, List<Cluster> all, List<ClusterId> created) {
        List<Cluster> members = all.stream().filter(c -> p.name().equals(PoolMembership.pool(c).orElse(null)) && c.phase() != Phase.DELETED)
                .toList();
        // Re-read: the list may be older than a claim this process just made.
        members = members.stream().map(c -> repository.find(c.id()).orElse(c)).filter(c -> c.phase() != Phase.DELETED).toList();
        long free = members.stream().filter(c -> PoolMembership.claimedAs(c).isEmpty()
                && (c.phase() == Phase.READY || c.phase().isProvisioning())).count();
        long coming = members.stream().filter(c -> PoolMembership.claimedAs(c).isEmpty() && c.phase().isProvisioning()).count();
        int want = (int) Math.max(0, p.size() - free);
        int room = (int) Math.max(0, p.maxSize() - members.size());
        int slots = (int) Math.max(0, p.maxConcurrent() - coming);
        int n = Math.min(want, Math.min(room, slots));
        for (int i = 0; i < n; i++) {
            Instant now = clock.instant();
            ClusterId id = ClusterId.of(p.name() + "-" + HexFormat.of().formatHex(bytes()));
            Cluster c = Cluster.requested(id, Optional.empty(), p.backend(), PoolMembership.memberSpec(p), now, policies.maxLifetime())
                    .note(now, "warm pool " + p.name() + " member");
            try {
                Cluster saved = repository.insertWithin(c, Limits.of(policies, p.backend()));
                created.add(saved.id());
                events.saw(saved);
                LOG.info("warm pool member requested pool={} member={}", p.name(), id);
            } catch (EphemeraException e) {
                if (e.code() == ErrorCode.LIMIT_EXCEEDED) {
                    return Optional.of("waiting for a slot: " + e.getMessage());
                }
                if (e.code() != ErrorCode.CONFLICT) { // an id collision is retried at the next look
                    throw e;
                }
            }
        }
        if (want > n) {
            return Optional.of(want - n + " member(s) short: " + (room < want ? "max-size " + p.maxSize() + " reached (claimed members count)"
                    : "max-concurrent " + p.maxConcurrent() + " coming up already"));
        }
        return Optional.empty();
    }

    private static byte[] bytes() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Marks, then stops, the pool's unclaimed members Ready for {@code hibernate-after}, each under its step lease. */
    private void hibernateIdle(WarmPoolSpec p, List<Cluster> all, List<ClusterId> slept) {
        if (p.hibernateAfter().isEmpty()) {
            return;
        }
        ClusterBackend backend = backends.get().named(p.backend());
        if (!(backend instanceof Hibernation h) || h.hibernationRefusal().isPresent()) {
            return; // refused at start by requireUsable; a backend switched off meanwhile simply keeps members awake
        }
        Instant now = clock.instant();
        for (Cluster seen : all) {
            if (!idle(seen, p, now)) {
                continue;
            }
            if (!repository.acquireStepLease(seen.id(), holder, now, p.resumeTimeout())) {
                continue; // someone else is on it
            }
            try {
                Optional<Cluster> c = repository.find(seen.id());
                if (c.isEmpty() || !idle(c.get(), p, clock.instant())) {
                    continue; // claimed meanwhile
                }
                Cluster marked;
                try {
                    marked = repository.update(PoolMembership.withHibernated(c.get(), true, clock.instant(),
                            "hibernating: idle for " + DurationText.format(p.hibernateAfter().get())));
                } catch (EphemeraException e) {
                    if (e.code() == ErrorCode.CONFLICT) {
                        continue; // a claim took it between the read and the save
                    }
                    throw e;
                }
                // Marked first: a claim that takes it from now on resumes it, and waits for this lease to do so.
                h.hibernate(marked.id());
                slept.add(marked.id());
                LOG.info("warm pool member hibernated pool={} member={}", p.name(), marked.id());
            } finally {
                repository.releaseStepLease(seen.id(), holder);
            }
        }
    }

    private static boolean idle(Cluster c, WarmPoolSpec p, Instant now) {
        return PoolMembership.isUnclaimedMemberOf(c, p.name()) && c.phase() == Phase.READY && !PoolMembership.hibernated(c)
                && !now.isBefore(c.readyAt().orElse(c.phaseSince()).plus(p.hibernateAfter().orElseThrow()));
    }

    // ---------------------------------------------------------------- status

    public List<WarmPoolStatus> list() {
        List<Cluster> all = repository.list();
        return settings.pools().stream().map(p -> status(p, all)).toList();
    }

    /** @throws EphemeraException NOT_FOUND for a pool that is not configured */
    public WarmPoolStatus status(String name) {
        return status(pool(name), repository.list());
    }

    private WarmPoolStatus status(WarmPoolSpec p, List<Cluster> all) {
        List<Cluster> members = all.stream().filter(c -> p.name().equals(PoolMembership.pool(c).orElse(null)) && c.phase() != Phase.DELETED)
                .toList();
        int ready = 0;
        int hibernated = 0;
        int provisioning = 0;
        int claimed = 0;
        for (Cluster c : members) {
            if (PoolMembership.claimedAs(c).isPresent()) {
                claimed++;
            } else if (c.phase() == Phase.READY) {
                if (PoolMembership.hibernated(c)) {
                    hibernated++;
                } else {
                    ready++;
                }
            } else if (c.phase().isProvisioning()) {
                provisioning++;
            }
        }
        return new WarmPoolStatus(p.name(), p.backend(), p.spec().size(), p.spec().location(), p.spec().kubernetesVersion(), p.size(),
                p.maxSize(), p.maxConcurrent(), DurationText.format(p.claimLifetime()), DurationText.format(p.maxClaimLifetime()),
                p.hibernateAfter().map(DurationText::format), DurationText.format(p.resumeTimeout()), p.whenEmpty().text(), ready,
                hibernated, provisioning, claimed, Optional.ofNullable(refillBlocked.get(p.name())),
                members.stream().map(c -> new WarmPoolStatus.Member(c.id().value(), c.phase().displayName(), PoolMembership.hibernated(c),
                        PoolMembership.claimedAs(c).map(ClusterId::value), c.readyAt())).toList());
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Starts the keeper: one thread that looks at the pools every {@link WarmPoolSettings#interval()}
     * and whenever a member settles. Does nothing without pools. Idempotent.
     */
    public void start() {
        synchronized (lifecycle) {
            if (keeper != null || settings.pools().isEmpty()) {
                return;
            }
            keeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ephemera-warm-pools");
                t.setDaemon(true);
                return t;
            });
            long ms = settings.interval().toMillis();
            keeper.scheduleWithFixedDelay(this::safeTick, 0, ms, TimeUnit.MILLISECONDS);
            subscription = events.subscribe(change -> {
                boolean member = PoolMembership.pool(change.cluster()).isPresent();
                if (member && (change.to() == Phase.READY || change.to() == Phase.DELETED || change.to() == Phase.FAILED)) {
                    ScheduledExecutorService k = keeper;
                    if (k != null) {
                        try {
                            k.execute(this::safeTick);
                        } catch (java.util.concurrent.RejectedExecutionException e) {
                            LOG.debug("keeper stopped; tick skipped");
                        }
                    }
                }
            });
            LOG.info("warm pool keeper started pools={} interval={}", settings.pools().stream().map(WarmPoolSpec::name).toList(),
                    DurationText.format(settings.interval()));
        }
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("warm pool keeper look failed error={}", e.toString());
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService k;
        synchronized (lifecycle) {
            k = keeper;
            keeper = null;
            if (subscription != null) {
                try {
                    subscription.close();
                } catch (Exception e) {
                    LOG.debug("unsubscribe failed error={}", e.toString());
                }
                subscription = null;
            }
        }
        if (k != null) {
            k.shutdown();
            try {
                if (!k.awaitTermination(30, TimeUnit.SECONDS)) {
                    k.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                k.shutdownNow();
            }
        }
    }

    private void pause(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while waiting for a warm pool member");
        }
    }
}
