package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.canary.JobRequest;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CanaryJobs} on fabric8: one shared informer for {@code E2ESpec}s and one for test Jobs
 * (selected by the managed-by label), so a webhook is answered from memory. Creating a Job and
 * reading a failed pod's log are the only API calls; they run on a small bounded pool, never on
 * the caller's thread. Waiters for a Job's end are completed by the Job informer's handler.
 */
public final class KubernetesCanaryJobs implements CanaryJobs {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesCanaryJobs.class);
    /** How long a Job this adapter created is remembered before the informer has seen it. */
    private static final Duration CREATED_MEMORY = Duration.ofMinutes(2);
    private static final int MAX_LOG_LINE = 2000;

    private final KubernetesClient client;
    private final CanaryJobsSettings settings;
    private final ThreadPoolExecutor calls;
    /** The E2ESpec group and the label selection, fixed once the group is known (set or detected). */
    private volatile String group;
    private volatile boolean dropIn;
    private final Map<String, Set<CompletableFuture<CanaryJob>>> waiters = new ConcurrentHashMap<>();
    private final Map<String, Created> created = new ConcurrentHashMap<>();
    private final Map<String, Parsed> parsedSpecs = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> lastError = new AtomicReference<>();
    private volatile SharedIndexInformer<GenericKubernetesResource> specs;
    private volatile SharedIndexInformer<Job> jobs;
    private volatile CompletableFuture<Void> synced;

    KubernetesCanaryJobs(KubernetesClient client, CanaryJobsSettings settings) {
        this.client = client;
        this.settings = settings;
        AtomicInteger n = new AtomicInteger();
        this.calls = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "ephemera-canary-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.calls.allowCoreThreadTimeOut(true);
    }

    /**
     * Finds the E2ESpec group (unless set), then starts both informers; returns at once,
     * {@link #synced()} tells when the first listing is in.
     */
    KubernetesCanaryJobs start() {
        synced = settings.crdGroup().map(CompletableFuture::completedFuture).orElseGet(() -> detectGroup(1))
                .thenCompose(this::startInformers);
        synced.whenComplete((v, e) -> {
            if (e == null) {
                LOG.info("canary caches synced crdGroup={} namespace={} selector={}={}", group, settings.namespace().orElse("(all)"),
                        selectorLabel(), MANAGER);
            }
        });
        return this;
    }

    /**
     * Which group's E2ESpecs the API server serves, {@code ephemera.dev} first, so seed 001's
     * {@code remarkable.com} CRD is used as found. Discovery needs no RBAC beyond what every
     * authenticated client has. Retried with jittered backoff while the API server cannot be reached.
     */
    private CompletableFuture<String> detectGroup(int attempt) {
        return CompletableFuture.supplyAsync(() -> {
            for (String g : List.of(CanaryJobsSettings.DEFAULT_GROUP, CanaryJobsSettings.SEED_GROUP)) {
                var resources = client.getApiResources(g + "/" + CanaryJobsSettings.VERSION);
                if (resources != null && resources.getResources() != null
                        && resources.getResources().stream().anyMatch(r -> CanaryJobsSettings.PLURAL.equals(r.getName()))) {
                    return g;
                }
            }
            // Neither CRD is installed yet: watch the default group; the informer retries until the CRD appears.
            LOG.warn("no E2ESpec CRD found (e2especs.{} or e2especs.{}); watching {} until it is installed", CanaryJobsSettings.DEFAULT_GROUP,
                    CanaryJobsSettings.SEED_GROUP, CanaryJobsSettings.DEFAULT_GROUP);
            return CanaryJobsSettings.DEFAULT_GROUP;
        }, calls).handle((g, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(g);
            }
            lastError.set(e);
            long delay = Math.min(30_000L, 200L << Math.min(attempt, 8));
            long jittered = delay / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(delay / 2 + 1);
            LOG.warn("cannot reach the Kubernetes API to find the E2ESpec group attempt={} retryInMs={} error={}", attempt, jittered, e.getMessage());
            return CompletableFuture.supplyAsync(() -> attempt + 1, CompletableFuture.delayedExecutor(jittered, TimeUnit.MILLISECONDS, calls))
                    .thenCompose(this::detectGroup);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Void> startInformers(String g) {
        if (calls.isShutdown()) {
            return CompletableFuture.failedFuture(EphemeraException.unavailable("the canary adapter was closed", null));
        }
        group = g;
        dropIn = settings.dropInFor(g);
        ResourceDefinitionContext specType = new ResourceDefinitionContext.Builder()
                .withGroup(g)
                .withVersion(CanaryJobsSettings.VERSION)
                .withPlural(CanaryJobsSettings.PLURAL)
                .withKind(CanaryJobsSettings.KIND)
                .withNamespaced(true)
                .build();
        // Keep retrying whatever fails (CRD not installed yet, API server restarting): fabric8 backs off between tries.
        ExceptionHandler retry = (started, t) -> {
            lastError.set(t);
            return !ExceptionHandler.isDeserializationException(t);
        };
        var specOps = client.genericKubernetesResources(specType);
        specs = (settings.namespace().isPresent() ? specOps.inNamespace(settings.namespace().get()) : specOps.inAnyNamespace())
                .runnableInformer(0);
        specs.exceptionHandler(retry);
        specs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                warnUnknown(obj);
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                warnUnknown(newObj);
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                parsedSpecs.remove(Cache.metaNamespaceKeyFunc(obj));
            }
        });
        var jobOps = client.batch().v1().jobs();
        var scoped = settings.namespace().isPresent() ? jobOps.inNamespace(settings.namespace().get()) : jobOps.inAnyNamespace();
        jobs = scoped.withLabel(selectorLabel(), MANAGER).runnableInformer(0);
        jobs.exceptionHandler(retry);
        jobs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job obj) {
                seen(obj);
            }

            @Override
            public void onUpdate(Job oldObj, Job newObj) {
                seen(newObj);
            }

            @Override
            public void onDelete(Job obj, boolean deletedFinalStateUnknown) {
                String key = Cache.metaNamespaceKeyFunc(obj);
                created.remove(key);
                CanaryJob last = TestJobs.observe(obj);
                wake(key, last.phase().isFinal() ? last
                        : last.withPhase(JobPhase.FAILED, CanaryJob.DELETED, "the Job was deleted before it ended"));
            }
        });
        return CompletableFuture.allOf(specs.start().toCompletableFuture(), jobs.start().toCompletableFuture());
    }

    private String selectorLabel() {
        return dropIn ? SEED_MANAGED_BY : MANAGED_BY;
    }

    private void seen(Job job) {
        String key = Cache.metaNamespaceKeyFunc(job);
        created.remove(key);
        CanaryJob state = TestJobs.observe(job);
        if (state.phase().isFinal()) {
            wake(key, state);
        }
    }

    private void wake(String key, CanaryJob job) {
        Set<CompletableFuture<CanaryJob>> set = waiters.get(key);
        if (set != null) {
            for (CompletableFuture<CanaryJob> f : List.copyOf(set)) {
                f.complete(job);
            }
        }
    }

    private void warnUnknown(GenericKubernetesResource r) {
        Set<String> unknown = E2ESpecReader.unknownFields(r);
        if (!unknown.isEmpty()) {
            LOG.warn("E2ESpec has fields Ephemera ignores spec={}/{} fields={}", r.getMetadata().getNamespace(), r.getMetadata().getName(), unknown);
        }
    }

    @Override
    public CompletionStage<Void> synced() {
        if (synced.isDone()) {
            return synced;
        }
        return synced.copy();
    }

    @Override
    public boolean dropIn() {
        return dropIn;
    }

    /** The E2ESpec group in use; empty until it is known. */
    Optional<String> group() {
        return Optional.ofNullable(group);
    }

    @Override
    public Optional<E2ESpec> spec(String namespace, String name) {
        requireSynced(specs, "E2ESpec");
        String key = Cache.namespaceKeyFunc(namespace, name);
        GenericKubernetesResource r = specs.getStore().getByKey(key);
        if (r == null) {
            return Optional.empty();
        }
        String version = r.getMetadata().getResourceVersion();
        Parsed p = parsedSpecs.get(key);
        if (p == null || !p.resourceVersion.equals(String.valueOf(version))) {
            // Parsed once per stored version, so a busy canary costs no parsing per webhook.
            try {
                p = new Parsed(String.valueOf(version), E2ESpecReader.read(r), null);
            } catch (EphemeraException e) {
                p = new Parsed(String.valueOf(version), null, e);
            }
            parsedSpecs.put(key, p);
        }
        if (p.error != null) {
            throw EphemeraException.invalid(p.error.getMessage());
        }
        return Optional.of(p.spec);
    }

    @Override
    public Optional<CanaryJob> job(String namespace, String name) {
        requireSynced(jobs, "Job");
        String key = Cache.namespaceKeyFunc(namespace, name);
        Job job = jobs.getStore().getByKey(key);
        if (job != null) {
            return Optional.of(TestJobs.observe(job));
        }
        Created c = created.get(key);
        if (c != null) {
            if (c.at.plus(CREATED_MEMORY).isAfter(Instant.now())) {
                return Optional.of(c.job);
            }
            created.remove(key, c);
        }
        return Optional.empty();
    }

    private void requireSynced(SharedIndexInformer<?> informer, String what) {
        if (informer == null || !informer.hasSynced()) {
            Throwable e = lastError.get();
            throw EphemeraException.unavailable("the " + what + " cache has not finished its first listing"
                    + (e == null ? "" : " (last error: " + e.getMessage() + ")") + "; call again shortly", e);
        }
    }

    @Override
    public CompletionStage<CanaryJob> create(JobRequest request) {
        requireSynced(jobs, "Job");
        if (!request.labels().containsKey(selectorLabel())) {
            // Without the label the informer would never see the Job, and a held request would never wake.
            throw EphemeraException.invalid("a test Job must carry the label " + selectorLabel() + "=" + MANAGER);
        }
        return submit(() -> doCreate(request));
    }

    private CanaryJob doCreate(JobRequest request) {
        Job job = TestJobs.toJob(request);
        String key = Cache.namespaceKeyFunc(request.namespace(), request.name());
        try {
            Job made = client.batch().v1().jobs().inNamespace(request.namespace()).resource(job).create();
            CanaryJob state = TestJobs.observe(made);
            if (jobs.getStore().getByKey(key) == null) {
                created.put(key, new Created(state, Instant.now()));
            }
            return state;
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw translate(e, "creating Job " + key);
            }
            // Another webhook or replica made it first: it is ours if it carries our label.
            Job cached = jobs.getStore().getByKey(key);
            if (cached != null) {
                return TestJobs.observe(cached);
            }
            Job existing = client.batch().v1().jobs().inNamespace(request.namespace()).withName(request.name()).get();
            if (existing == null) {
                throw EphemeraException.unavailable("Job " + key + " was reported to exist and then was gone; call again", e);
            }
            Map<String, String> labels = existing.getMetadata().getLabels();
            if (labels == null || !MANAGER.equals(labels.get(selectorLabel()))) {
                throw EphemeraException.conflict("a Job " + key + " exists that Ephemera does not manage (no label " + selectorLabel() + "="
                        + MANAGER + "); delete it or rename the canary");
            }
            return TestJobs.observe(existing);
        }
    }

    @Override
    public CompletableFuture<CanaryJob> awaitEnd(String namespace, String name) {
        String key = Cache.namespaceKeyFunc(namespace, name);
        SharedIndexInformer<Job> informer = jobs;
        if (informer == null) {
            return CompletableFuture.failedFuture(EphemeraException.unavailable("the Job cache has not started yet; call again shortly", null));
        }
        CompletableFuture<CanaryJob> f = new CompletableFuture<>();
        // Adding and removing inside compute keeps a set from being dropped while another caller joins it.
        waiters.compute(key, (k, s) -> {
            Set<CompletableFuture<CanaryJob>> set = s == null ? ConcurrentHashMap.newKeySet() : s;
            set.add(f);
            return set;
        });
        f.whenComplete((j, e) -> waiters.computeIfPresent(key, (k, s) -> {
            s.remove(f);
            return s.isEmpty() ? null : s;
        }));
        // Registered first, then looked up: an end that came in between is not missed.
        Job now = informer.getStore().getByKey(key);
        if (now != null) {
            CanaryJob state = TestJobs.observe(now);
            if (state.phase().isFinal()) {
                f.complete(state);
            }
        }
        return f;
    }

    /** How many callers wait for Jobs to end, for tests and metrics. */
    int waiting() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public CompletionStage<List<String>> logTail(String namespace, String name, int lines) {
        return submit(() -> doLogTail(namespace, name, lines));
    }

    private List<String> doLogTail(String namespace, String name, int lines) {
        List<Pod> pods;
        try {
            pods = new ArrayList<>(client.pods().inNamespace(namespace).withLabel("job-name", name).list().getItems());
        } catch (KubernetesClientException e) {
            throw translate(e, "listing the pods of Job " + namespace + "/" + name);
        }
        if (pods.isEmpty()) {
            return List.of();
        }
        Comparator<Pod> newestFirst = Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp())).reversed();
        Pod pick = pods.stream().filter(p -> p.getStatus() != null && "Failed".equals(p.getStatus().getPhase()))
                .min(newestFirst)
                .orElseGet(() -> pods.stream().min(newestFirst).orElseThrow());
        String container = pick.getSpec() != null && pick.getSpec().getContainers() != null
                && pick.getSpec().getContainers().stream().anyMatch(c -> TestJobs.CONTAINER.equals(c.getName()))
                        ? TestJobs.CONTAINER
                        : (pick.getSpec() == null || pick.getSpec().getContainers() == null || pick.getSpec().getContainers().isEmpty()
                                ? null
                                : pick.getSpec().getContainers().get(0).getName());
        String log;
        try {
            var pod = client.pods().inNamespace(namespace).withName(pick.getMetadata().getName());
            log = (container == null ? pod.tailingLines(lines) : pod.inContainer(container).tailingLines(lines)).getLog();
        } catch (KubernetesClientException e) {
            throw translate(e, "reading the log of pod " + namespace + "/" + pick.getMetadata().getName());
        }
        if (log == null || log.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line : log.split("\r?\n", -1)) {
            out.add(line.length() > MAX_LOG_LINE ? line.substring(0, MAX_LOG_LINE) + "…" : line);
        }
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out.size() > lines ? List.copyOf(out.subList(out.size() - lines, out.size())) : List.copyOf(out);
    }

    private <T> CompletableFuture<T> submit(java.util.function.Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call, calls);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(EphemeraException.unavailable(
                    "too many Kubernetes API calls are queued; call again shortly", e));
        }
    }

    private static EphemeraException translate(KubernetesClientException e, String what) {
        int code = e.getCode();
        String msg = what + " failed: " + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage());
        return switch (code) {
            case 401 -> new EphemeraException(ErrorCode.UNAUTHENTICATED, msg + "; check the kubeconfig or service account token", e);
            case 403 -> new EphemeraException(ErrorCode.PERMISSION_DENIED, msg + "; grant the RBAC in deploy/rbac.yaml", e);
            case 404 -> new EphemeraException(ErrorCode.NOT_FOUND, msg, e);
            case 409 -> new EphemeraException(ErrorCode.CONFLICT, msg, e);
            case 422, 400 -> new EphemeraException(ErrorCode.INVALID, msg, e);
            case 429, 500, 502, 503, 504, 0 -> EphemeraException.unavailable(msg, e);
            default -> EphemeraException.backend(msg, e);
        };
    }

    @Override
    public Health health() {
        SharedIndexInformer<GenericKubernetesResource> specs = this.specs;
        SharedIndexInformer<Job> jobs = this.jobs;
        if (specs == null || jobs == null || !specs.hasSynced() || !jobs.hasSynced()) {
            Throwable e = lastError.get();
            return Health.down("canary caches not synced" + (e == null ? "" : ": " + e.getMessage()));
        }
        if (!specs.isWatching() || !jobs.isWatching()) {
            return Health.down("canary watches are reconnecting");
        }
        return Health.up("watching E2ESpecs (" + group + ") and Jobs in " + settings.namespace().orElse("all namespaces"));
    }

    @Override
    public void close() {
        calls.shutdown();
        SharedIndexInformer<GenericKubernetesResource> specs = this.specs;
        SharedIndexInformer<Job> jobs = this.jobs;
        if (specs != null) {
            specs.stop();
        }
        if (jobs != null) {
            jobs.stop();
        }
        EphemeraException closed = EphemeraException.unavailable("the canary adapter was closed", null);
        waiters.values().forEach(s -> List.copyOf(s).forEach(f -> f.completeExceptionally(closed)));
        calls.shutdownNow();
        client.close();
    }

    private record Created(CanaryJob job, Instant at) {
    }

    private record Parsed(String resourceVersion, E2ESpec spec, EphemeraException error) {
    }
}
