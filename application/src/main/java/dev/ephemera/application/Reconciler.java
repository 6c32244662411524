package dev.ephemera.application;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.cluster.LeaseRef;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.domain.lease.Ipv4Address;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.dns.DnsRecord;
import dev.ephemera.ports.dns.DnsRecords;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSinks;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a cluster one step along the phase table, level-triggered: each step reads the record,
 * does the idempotent work the phase needs, and saves the result with optimistic concurrency.
 * A process killed anywhere and run again picks up from the stored phase; nothing is created
 * twice because every side effect is idempotent by cluster id (backend create, lease, PKI kept
 * in the repository, sink writes).
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** Lost saves in a row before a run gives up with the CONFLICT. */
    private static final int MAX_CONFLICTS = 20;
    private static final RetryPolicy CONFLICT_BACKOFF = new RetryPolicy(MAX_CONFLICTS + 1, Duration.ofMillis(5), Duration.ofMillis(500), Duration.ZERO);
    private static final Duration FIRST_WAIT = Duration.ofMillis(50);
    /** Errors worth retrying: the next step may succeed. Anything else fails the cluster. */
    private static final Set<ErrorCode> TRANSIENT = EnumSet.of(ErrorCode.UNAVAILABLE, ErrorCode.RATE_LIMITED, ErrorCode.TIMEOUT, ErrorCode.CONFLICT);

    private final ClusterRepository repository;
    private final Provider<ClusterBackends> backends;
    private final Provider<CertificateAuthority> ca;
    private final Provider<WorkloadClusters> workload;
    private final Provider<SecretSinks> sinks;
    private final Provider<Optional<DnsRecords>> dns;
    private final IpPools pools;
    private final Policies policies;
    private final ControlPlane controlPlane;
    private final Clock clock;
    private volatile StepHook hook = StepHook.NONE;
    private volatile Sleeper sleeper = Sleeper.SYSTEM;

    /** Without DNS names (no {@code dns:} configured). */
    public Reconciler(ClusterRepository repository, Provider<ClusterBackends> backends, Provider<CertificateAuthority> ca,
                      Provider<WorkloadClusters> workload, Provider<SecretSinks> sinks, IpPools pools, Policies policies,
                      ControlPlane controlPlane, Clock clock) {
        this(repository, backends, ca, workload, sinks, Optional::empty, pools, policies, controlPlane, clock);
    }

    /** @param dns the DNS adapter {@code dns:} names, or empty when clusters get no DNS names (docs/dns.md) */
    @Inject
    public Reconciler(ClusterRepository repository, Provider<ClusterBackends> backends, Provider<CertificateAuthority> ca,
                      Provider<WorkloadClusters> workload, Provider<SecretSinks> sinks, Provider<Optional<DnsRecords>> dns, IpPools pools,
                      Policies policies, ControlPlane controlPlane, Clock clock) {
        this.repository = repository;
        this.backends = backends;
        this.ca = ca;
        this.workload = workload;
        this.sinks = sinks;
        this.dns = dns;
        this.pools = pools;
        this.policies = policies;
        this.controlPlane = controlPlane;
        this.clock = clock;
    }

    /** Test hook: called after each saved step, e.g. to kill the process at a chosen phase. */
    public interface StepHook {
        StepHook NONE = c -> { };

        void afterSave(Cluster saved);
    }

    public void setStepHook(StepHook h) {
        this.hook = h == null ? StepHook.NONE : h;
    }

    /** Test seam: how {@link #runUntilSettled} waits between looks and after a lost save. */
    public void setSleeper(Sleeper s) {
        this.sleeper = s == null ? Sleeper.SYSTEM : s;
    }

    /** One step for one cluster. */
    public StepOutcome step(ClusterId id) {
        Cluster c = repository.find(id).orElseThrow(() -> EphemeraException.notFound("cluster '" + id + "' does not exist"));
        Instant now = clock.instant();
        Optional<String> stuck = policies.stuckReason(c, now);
        if (stuck.isPresent()) {
            return new StepOutcome.Progressed(save(c.moveTo(Phase.FAILED, now, stuck.get())));
        }
        try {
            return switch (c.phase()) {
                case REQUESTED -> prepare(c);
                case PROVISIONING -> provision(c);
                case BOOTSTRAPPING -> bootstrap(c);
                case DELETING -> teardown(c);
                case FAILED -> c.keepOnFailure() ? new StepOutcome.Settled(c)
                        : new StepOutcome.Progressed(save(c.moveTo(Phase.DELETING, now, "cleaning up after failure")));
                case READY, RELEASING, QUEUED, DELETED -> new StepOutcome.Settled(c);
            };
        } catch (EphemeraException e) {
            if (TRANSIENT.contains(e.code())) {
                // Retried while retrying can help. In Deleting, an error retrying cannot fix (a missing endpoint,
                // a refused token) is thrown below at once: the record stays Deleting and the next delete resumes it.
                LOG.warn("step will be retried cluster={} phase={} code={} reason={}", id, c.phase(), e.code(), e.getMessage());
                return new StepOutcome.Waiting(c, e.getMessage());
            }
            LOG.warn("cluster failed cluster={} phase={} code={} reason={}", id, c.phase(), e.code(), e.getMessage());
            Cluster latest = repository.find(id).orElse(c);
            if (!latest.phase().canMoveTo(Phase.FAILED)) {
                throw e;
            }
            return new StepOutcome.Failed(save(latest.moveTo(Phase.FAILED, clock.instant(), e.getMessage())), e);
        }
    }

    /**
     * Steps until the cluster settles or reaches {@code until}, backing off (jittered, capped)
     * while it waits on the outside world. Gives up at {@code deadline} with TIMEOUT.
     */
    public Cluster runUntilSettled(ClusterId id, Instant deadline, Consumer<Cluster> progress) {
        return runUntilSettled(id, deadline, progress, e -> { });
    }

    /** As above; {@code onFailure} hears the error that failed the cluster, if one does during this run. */
    public Cluster runUntilSettled(ClusterId id, Instant deadline, Consumer<Cluster> progress, Consumer<EphemeraException> onFailure) {
        int waits = 0;
        int conflicts = 0;
        Duration cap = null;
        Phase last = null;
        while (true) {
            StepOutcome o;
            try {
                o = step(id);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.CONFLICT || ++conflicts > MAX_CONFLICTS) {
                    throw e;
                }
                // Someone else saved first: back off (jittered, so two writers do not collide again), then read again.
                pause(CONFLICT_BACKOFF.backoff(conflicts), id);
                continue;
            }
            conflicts = 0;
            if (o.cluster().phase() != last) {
                last = o.cluster().phase();
                progress.accept(o.cluster());
            }
            if (o instanceof StepOutcome.Settled) {
                return o.cluster();
            }
            if (o instanceof StepOutcome.Failed f) {
                onFailure.accept(f.cause());
            }
            if (o instanceof StepOutcome.Progressed || o instanceof StepOutcome.Failed) {
                waits = 0;
                continue;
            }
            StepOutcome.Waiting w = (StepOutcome.Waiting) o;
            if (!clock.instant().isBefore(deadline)) {
                throw EphemeraException.timeout("cluster " + id + " is still " + o.cluster().phase().displayName() + " ("
                        + w.reason() + "); run the same command again to keep waiting (state: ephemera cluster get " + id + ")");
            }
            if (!w.maxDelay().equals(cap)) {
                cap = w.maxDelay();
                waits = 0;
            }
            pause(RetryPolicy.polling(FIRST_WAIT, cap.compareTo(FIRST_WAIT) < 0 ? FIRST_WAIT : cap).backoff(++waits), id);
        }
    }

    private void pause(Duration d, ClusterId id) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while waiting for cluster " + id);
        }
    }

    private Cluster save(Cluster c) {
        Cluster saved = repository.update(c);
        hook.afterSave(saved);
        return saved;
    }

    private StepOutcome prepare(Cluster c) {
        ClusterBackend backend = backends.get().named(c.backend());
        BackendTraits traits = backend.traits();
        Cluster next = c;
        if (traits.leasePool().isPresent() && c.lease().isEmpty()) {
            String pool = traits.leasePool().get();
            Lease lease = pools.allocate(pool, c.id().value(), Optional.empty());
            next = save(next.withLease(Optional.of(new LeaseRef(pool, lease.address().toString()))).note(clock.instant(),
                    "leased " + lease.address() + " from pool " + pool));
        }
        if (traits.usesEphemeraPki() && loadBundle(c.id()).isEmpty()) {
            List<String> ips = next.lease().map(l -> List.of(l.address())).orElse(List.of());
            PkiBundle bundle = ca.get().issue(new PkiRequest(c.id().value(), dnsName(c).stream().toList(), ips, Optional.empty(),
                    Optional.empty(), Optional.empty()));
            for (BundleFile f : bundle.files()) {
                repository.putCredential(c.id(), Credentials.PKI_PREFIX + f.path(), f.content());
            }
            // The index goes last: its presence means the whole bundle was stored.
            repository.putCredential(c.id(), Credentials.PKI_INDEX,
                    Secret.of(String.join("\n", bundle.files().stream().map(BundleFile::path).toList())));
            next = save(next.note(clock.instant(), "issued cluster PKI"));
        }
        return new StepOutcome.Progressed(save(next.moveTo(Phase.PROVISIONING, clock.instant(), "provisioning on " + c.backend())));
    }

    /** The cluster's stored PKI bundle, if it was stored completely. */
    private Optional<PkiBundle> loadBundle(ClusterId id) {
        Optional<Secret> index = repository.credential(id, Credentials.PKI_INDEX);
        if (index.isEmpty()) {
            return Optional.empty();
        }
        List<BundleFile> files = new ArrayList<>();
        for (String path : index.get().reveal().split("\n")) {
            Secret content = repository.credential(id, Credentials.PKI_PREFIX + path).orElseThrow(() -> new EphemeraException(
                    ErrorCode.INTERNAL, "cluster " + id + " lost PKI file " + path + " from its stored bundle"));
            files.add(new BundleFile(path, content, path.endsWith(".key")));
        }
        return Optional.of(new PkiBundle(files));
    }

    private Map<String, String> labels(Cluster c) {
        return Map.of(ControlPlane.CLUSTER_LABEL, c.id().value(), ControlPlane.INSTALLATION_LABEL, controlPlane.installation());
    }

    private StepOutcome provision(Cluster c) {
        ClusterBackend backend = backends.get().named(c.backend());
        Observation seen = backend.observe(c.id());
        Cluster next = c;
        if (c.backendRef().isEmpty() || seen.state() == Observation.State.ABSENT) {
            ProvisionRequest request = new ProvisionRequest(c.id(), c.spec(), c.lease().map(LeaseRef::address),
                    backend.traits().usesEphemeraPki() ? loadBundle(c.id()) : Optional.empty(), labels(c), dnsName(c));
            next = save(next.withBackendRef(backend.ensure(request)).note(clock.instant(), "creation requested"));
            seen = backend.observe(c.id());
        }
        return switch (seen.state()) {
            case RUNNING -> {
                if (seen.endpoint().isEmpty()) {
                    yield new StepOutcome.Waiting(next, "running, no endpoint yet");
                }
                Cluster named = publishName(next, seen.endpoint().get());
                yield new StepOutcome.Progressed(save(named.moveTo(Phase.BOOTSTRAPPING, clock.instant(), "running at "
                        + seen.endpoint().get().apiUrl())));
            }
            case FAILED -> new StepOutcome.Progressed(save(next.moveTo(Phase.FAILED, clock.instant(), "backend reports failure: " + seen.detail())));
            case CREATING, ABSENT, DELETING -> new StepOutcome.Waiting(next, seen.detail());
        };
    }

    private AdminAccess adminAccess(Cluster c, ClusterBackend backend) {
        if (!backend.traits().usesEphemeraPki()) {
            return backend.ownAdminAccess(c.id()).orElseThrow(() -> EphemeraException.unavailable(
                    "backend " + c.backend() + " has no admin access for " + c.id() + " yet", null));
        }
        PkiBundle b = loadBundle(c.id()).orElseThrow(() -> new EphemeraException(ErrorCode.INTERNAL, "cluster " + c.id() + " has no PKI bundle"));
        return new AdminAccess(c.endpoint().orElseThrow().apiUrl(), b.serverCaPem(), b.adminCertPem(), b.adminKeyPem());
    }

    private StepOutcome bootstrap(Cluster c) {
        ClusterBackend backend = backends.get().named(c.backend());
        AdminAccess access = adminAccess(c, backend);
        Optional<StepOutcome> unresolved = awaitName(c);
        if (unresolved.isPresent()) {
            return unresolved.get();
        }
        WorkloadClusters w = workload.get();
        Readiness r = w.probe(access);
        if (!r.ready()) {
            return new StepOutcome.Waiting(c, "API server not ready: " + r.detail(), StepOutcome.PROBE_POLL_CAP);
        }
        c = loadRequestedImages(c, backend);
        CiCredentials creds = w.bootstrap(access, CiAccount.defaults());
        repository.putCredential(c.id(), Credentials.CI_TOKEN, creds.token());
        Secret kubeconfig = KubeconfigYaml.render(new Kubeconfig(c.id().value(), kubeconfigServer(c), creds.caPem(),
                new KubeUser.Token(creds.token()), Optional.empty()));
        repository.putCredential(c.id(), Credentials.KUBECONFIG, kubeconfig);
        for (SinkTarget t : targets(c)) {
            sinks.get().named(t.sink()).put(new SecretAddress(t.scope(), t.environment(), t.name()), kubeconfig);
        }
        return new StepOutcome.Progressed(save(c.moveTo(Phase.READY, clock.instant(), "ready; kubeconfig pushed to "
                + (targets(c).isEmpty() ? "no sink" : targets(c).toString()))));
    }

    /**
     * The images the claim named ({@code --load-image}) go into every node before the cluster is
     * Ready. Loading is idempotent (a node that lists an image with the same ID skips it), so a step
     * run again after a crash loads only what is missing. An image the local engine lacks is
     * NOT_FOUND, which fails the claim (exit 3).
     */
    private Cluster loadRequestedImages(Cluster c, ClusterBackend backend) {
        List<String> images = c.spec().loadImages();
        if (images.isEmpty()) {
            return c;
        }
        if (!(backend instanceof ImageLoading loading)) {
            throw EphemeraException.invalid("cluster " + c.id() + " names images to load (--load-image), which backend " + c.backend()
                    + " cannot do: only local backends (docker, kind) load images from the local Docker engine");
        }
        ImageLoading.ImageLoadReport report = loading.loadImages(c.id(), images);
        long imported = report.nodes().stream().mapToLong(n -> n.imported().size()).sum();
        LOG.info("images loaded cluster={} images={} nodes={} imported={}", c.id(), images, report.nodes().size(), imported);
        return save(c.note(clock.instant(), "loaded " + images.size() + " image(s) into " + report.nodes().size() + " node(s): "
                + String.join(", ", images)));
    }

    /** The claim's own push targets, then one per default sink (scope = cluster id, name {@code kubeconfig}). */
    List<SinkTarget> targets(Cluster c) {
        List<SinkTarget> out = new ArrayList<>(c.sinks());
        for (String s : controlPlane.defaultSinks()) {
            SinkTarget t = new SinkTarget(s, c.id().value(), Optional.empty(), "kubeconfig");
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private StepOutcome teardown(Cluster c) {
        backends.get().named(c.backend()).destroy(c.id());
        removeName(c);
        if (c.lease().isPresent()) {
            pools.release(c.lease().get().pool(), c.id().value());
        }
        for (SinkTarget t : targets(c)) {
            sinks.get().named(t.sink()).delete(new SecretAddress(t.scope(), t.environment(), t.name()));
        }
        repository.deleteCredentials(c.id());
        return new StepOutcome.Progressed(save(c.moveTo(Phase.DELETED, clock.instant(), "deleted: backend resources, lease and secrets removed")));
    }

    // --- DNS names (docs/dns.md): nothing here runs unless `dns:` names an adapter. ---

    /** The cluster's DNS name when DNS is configured; known up front from its id and owner, so it goes into the PKI and the backend's SANs. */
    private Optional<String> dnsName(Cluster c) {
        return dns.get().map(d -> d.nameFor(c.id(), c.owner()));
    }

    /** Publishes name → endpoint IPv4 and records the name in the endpoint; an endpoint without an IPv4 address gets no record. */
    private Cluster publishName(Cluster c, Endpoint e) {
        Optional<DnsRecords> d = dns.get();
        if (d.isEmpty()) {
            return c.withEndpoint(e);
        }
        String name = d.get().nameFor(c.id(), c.owner());
        Optional<String> ip = e.ipAddress().filter(Ipv4Address::isValid)
                .or(() -> Optional.ofNullable(e.apiUrl().getHost()).filter(Ipv4Address::isValid))
                .or(() -> c.lease().map(LeaseRef::address));
        if (ip.isEmpty()) {
            return c.withEndpoint(e).note(clock.instant(), "no DNS record for " + name + ": the endpoint " + e.apiUrl() + " has no IPv4 address");
        }
        try {
            d.get().publish(new DnsRecord(c.id(), name, ip.get(), d.get().ttl()), labels(c));
        } catch (EphemeraException ex) {
            // Someone else's record under our name will not go away by retrying: fail the cluster with the adapter's reason.
            throw ex.code() == ErrorCode.CONFLICT ? new EphemeraException(ErrorCode.CONFIGURATION, ex.getMessage(), ex) : ex;
        }
        return c.withEndpoint(new Endpoint(e.apiUrl(), Optional.of(name), ip)).note(clock.instant(), "published DNS name " + name + " → " + ip.get());
    }

    /**
     * While the published name does not yet resolve to the endpoint's address through the
     * configured resolver: Waiting, and Failed once {@code policies.dns-timeout} has passed since
     * the name was published (the start of Bootstrapping). Empty when resolved or when there is no
     * resolver to ask.
     */
    private Optional<StepOutcome> awaitName(Cluster c) {
        Optional<DnsRecords> d = dns.get();
        Optional<Endpoint> e = c.endpoint();
        if (d.isEmpty() || d.get().resolver().isEmpty() || e.isEmpty() || e.get().dnsName().isEmpty() || e.get().ipAddress().isEmpty()) {
            return Optional.empty();
        }
        String name = e.get().dnsName().get();
        String ip = e.get().ipAddress().get();
        String seen;
        try {
            List<String> got = d.get().resolve(name);
            if (got.contains(ip)) {
                return Optional.empty();
            }
            seen = got.isEmpty() ? "no address yet" : "it resolves to " + String.join(", ", got);
        } catch (EphemeraException ex) {
            if (ex.code() != ErrorCode.UNAVAILABLE) {
                throw ex;
            }
            seen = ex.getMessage();
        }
        String resolver = d.get().resolver().get();
        if (!clock.instant().isBefore(c.phaseSince().plus(policies.dnsTimeout()))) {
            EphemeraException timeout = EphemeraException.timeout("DNS name " + name + " did not resolve to " + ip + " through " + resolver
                    + " within policies.dns-timeout (" + DurationText.format(policies.dnsTimeout()) + "; " + seen
                    + "): check that external-dns runs and serves the DNSEndpoint's zone, or raise policies.dns-timeout");
            return Optional.of(new StepOutcome.Failed(save(c.moveTo(Phase.FAILED, clock.instant(), timeout.getMessage())), timeout));
        }
        return Optional.of(new StepOutcome.Waiting(c, "waiting for DNS name " + name + " to resolve to " + ip + " through " + resolver
                + " (" + seen + ")"));
    }

    /** The kubeconfig's server: {@code https://<dns name>:<port>} once the name is published, else the endpoint's URL. */
    private URI kubeconfigServer(Cluster c) {
        Endpoint e = c.endpoint().orElseThrow();
        if (dns.get().isEmpty() || e.dnsName().isEmpty()) {
            return e.apiUrl();
        }
        int port = e.apiUrl().getPort() < 0 ? 443 : e.apiUrl().getPort();
        return URI.create("https://" + e.dnsName().get() + ":" + port);
    }

    /** Removes the cluster's DNS record, if DNS is configured; idempotent. */
    void removeName(Cluster c) {
        dns.get().ifPresent(d -> d.remove(c.id()));
    }
}
