package dev.ephemera.application.lifecycle;

import dev.ephemera.application.ClaimOutcome;
import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.PhaseChange;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.Pricing;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.StoredDelivery;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every pull request of an allowed repository gets its cluster by itself (seeds 003 and 000).
 * Verified deliveries are stored in the {@link DeliveryInbox} before the webhook answers
 * ({@link #accept}); a background processor takes them oldest first, at least once, also after a
 * restart, and turns them into claims ({@link Clusters#submit} with queueing, then
 * {@link ClusterDriver#kick}) and releases. Phase changes of pull request clusters keep one
 * comment per pull request (upserted by its marker, writes serialised per pull request, at most
 * one edit per {@code comment-interval}, coalesced by scheduling, never by sleeping) and the
 * {@code ephemera/cluster} commit status on the head commit.
 */
public final class PullRequestLifecycle implements AutoCloseable {
    public static final String STATUS_CONTEXT = "ephemera/cluster";
    static final String CREATE = "create_ephemeral_cluster";
    static final String DESTROY = "destroy_ephemeral_cluster";
    private static final Logger LOG = LoggerFactory.getLogger(PullRequestLifecycle.class);
    private static final int BATCH = 100;
    private static final int MAX_ATTEMPTS = 5;
    private static final int MAX_WRITE_ATTEMPTS = 5;
    private static final Duration POLL = Duration.ofSeconds(1);

    private final LifecycleSettings settings;
    private final DeliveryInbox inbox;
    private final Clusters clusters;
    private final ClusterRepository repository;
    private final ClusterDriver driver;
    private final ClusterEvents events;
    private final Provider<CodeHost> codeHost;
    private final Provider<ClusterBackends> backends;
    private final Clock clock;

    private final Set<String> loggedRepositories = ConcurrentHashMap.newKeySet();
    /** While above zero, pending deliveries wait ({@link #holdProcessing}). */
    private final AtomicInteger holds = new AtomicInteger();
    private final Map<ClusterId, CommentSlot> slots = new ConcurrentHashMap<>();
    private final Object processing = new Object();
    private final Object lifecycle = new Object();
    private ScheduledExecutorService scheduler;
    private AutoCloseable subscription;
    private volatile boolean running;

    /** Per pull request: when its comment was last written, the write waiting to happen, the last status set. */
    private static final class CommentSlot {
        Instant lastWrite = Instant.EPOCH;
        ScheduledFuture<?> pending;
        int failures;
        /** Head commit and state of the last status set, so a new head commit gets the status again. */
        String lastStatus = "";
        /** Held while talking to the code host, so two writes of one pull request never overlap; scheduling does not wait for it. */
        final Object writing = new Object();
    }

    @Inject
    public PullRequestLifecycle(LifecycleSettings settings, DeliveryInbox inbox, Clusters clusters, ClusterRepository repository,
                                ClusterDriver driver, ClusterEvents events, Provider<CodeHost> codeHost, Provider<ClusterBackends> backends,
                                Clock clock) {
        this.settings = settings;
        this.inbox = inbox;
        this.clusters = clusters;
        this.repository = repository;
        this.driver = driver;
        this.events = events;
        this.codeHost = codeHost;
        this.backends = backends;
        this.clock = clock;
    }

    /**
     * Stores a verified event durably; called before the webhook is answered. A redelivery (same
     * delivery id) returns false and changes nothing. Processing follows in the background.
     *
     * @throws EphemeraException UNAVAILABLE when the store cannot keep it: the webhook must not answer 2xx then
     */
    public boolean accept(CodeHostEvent event) {
        boolean added = inbox.offer(event, clock.instant());
        if (added) {
            wake();
        }
        return added;
    }

    /** Starts the processor (it first takes whatever is pending from before a restart) and listens to phase changes. Idempotent. */
    public void start() {
        synchronized (lifecycle) {
            if (running) {
                return;
            }
            scheduler = Executors.newScheduledThreadPool(2, r -> {
                Thread t = new Thread(r, "ephemera-pr-lifecycle");
                t.setDaemon(true);
                return t;
            });
            subscription = events.subscribe(this::onPhaseChange);
            running = true;
            scheduler.scheduleWithFixedDelay(this::processQuietly, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!running) {
                return;
            }
            running = false;
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("unsubscribe failed: {}", e.toString());
            }
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public boolean isRunning() {
        return running;
    }

    private void wake() {
        ScheduledExecutorService s = scheduler;
        if (running && s != null) {
            try {
                s.execute(this::processQuietly);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("lifecycle stopping; the delivery stays pending");
            }
        }
    }

    private void processQuietly() {
        try {
            processPending();
        } catch (RuntimeException e) {
            LOG.warn("processing deliveries failed; retried at the next poll error={}", e.toString());
        }
    }

    /**
     * Holds processing until the returned handle is closed: deliveries are still stored (and
     * answered 202), and wait pending. Stands for a server that stops between storing a delivery
     * and processing it, so tests can show deterministically that nothing is lost across a restart.
     */
    public AutoCloseable holdProcessing() {
        holds.incrementAndGet();
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.getAndSet(false) && holds.decrementAndGet() == 0) {
                wake();
            }
        };
    }

    /** Processes every pending delivery once, oldest first; returns how many were finished. One pass at a time; none while held. */
    public int processPending() {
        synchronized (processing) {
            if (holds.get() > 0) {
                return 0;
            }
            int finished = 0;
            for (StoredDelivery d : inbox.pending(BATCH)) {
                String id = d.deliveryId();
                try {
                    String outcome = handle(d.event());
                    inbox.done(id, clock.instant(), outcome);
                    finished++;
                    LOG.info("delivery processed delivery={} outcome={}", LogText.escape(id), LogText.escape(outcome));
                } catch (RuntimeException e) {
                    String error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    if (d.attempts() + 1 >= MAX_ATTEMPTS || (e instanceof EphemeraException ee && isPermanent(ee.code()))) {
                        inbox.done(id, clock.instant(), "gave up after " + (d.attempts() + 1) + " attempt(s): " + error);
                        finished++;
                        LOG.warn("delivery given up delivery={} error={}", LogText.escape(id), LogText.escape(error));
                    } else {
                        inbox.failed(id, error);
                        LOG.warn("delivery failed, retried at the next poll delivery={} attempt={} error={}", LogText.escape(id), d.attempts() + 1,
                                LogText.escape(error));
                    }
                }
            }
            return finished;
        }
    }

    private static boolean isPermanent(ErrorCode code) {
        return code == ErrorCode.INVALID || code == ErrorCode.CONFLICT || code == ErrorCode.NOT_FOUND;
    }

    /** What one event means here; returns a line for the inbox. */
    String handle(CodeHostEvent event) {
        if (event instanceof PullRequestEvent e) {
            return pullRequest(e);
        }
        if (event instanceof RepositoryDispatchEvent e) {
            return dispatch(e);
        }
        return "ignored: unknown event";
    }

    private boolean allowed(String repository) {
        if (settings.allows(repository)) {
            return true;
        }
        if (loggedRepositories.add(repository.toLowerCase(java.util.Locale.ROOT))) {
            LOG.info("deliveries from repository={} are ignored: it is not in lifecycle.repositories (logged once)", LogText.escape(repository));
        }
        return false;
    }

    private String pullRequest(PullRequestEvent e) {
        if (!allowed(e.repository())) {
            return "ignored: repository not in lifecycle.repositories";
        }
        ClusterId id = settings.clusterIdFor(e.repository(), e.number());
        boolean labelled = settings.requiredLabel().map(l -> e.labels().contains(l)).orElse(true);
        return switch (e.action()) {
            case OPENED, REOPENED, READY_FOR_REVIEW -> claimIfEligible(e, id, labelled);
            case SYNCHRONIZE -> live(id).isPresent() ? refresh(id, "pushed: status set on the new head") : claimIfEligible(e, id, labelled);
            case CLOSED -> release(id, e.merged() ? "merged" : "closed");
            case CONVERTED_TO_DRAFT -> settings.onDraft() == LifecycleSettings.DraftPolicy.RELEASE ? release(id, "converted to draft")
                    : "kept: converted to draft (lifecycle.converted-to-draft is keep)";
            case LABELED -> settings.requiredLabel().filter(l -> e.label().orElse("").equals(l)).isPresent() ? claimIfEligible(e, id, true)
                    : "ignored: not the required label";
            case UNLABELED -> settings.requiredLabel().filter(l -> e.label().orElse("").equals(l)).isPresent() ? release(id, "label removed")
                    : "ignored: not the required label";
        };
    }

    private String claimIfEligible(PullRequestEvent e, ClusterId id, boolean labelled) {
        if (e.fromFork() && !settings.forks()) {
            LOG.info("pull request from a fork gets no cluster repository={} number={} (lifecycle.forks is false)", LogText.escape(e.repository()), e.number());
            return "ignored: pull request from a fork (lifecycle.forks is false)";
        }
        if (!labelled) {
            return "ignored: lacks the label " + settings.requiredLabel().orElseThrow();
        }
        if (e.draft() && settings.onDraft() == LifecycleSettings.DraftPolicy.RELEASE) {
            return "ignored: draft (lifecycle.converted-to-draft is release)";
        }
        return claim(e.repository(), e.number(), id);
    }

    private String claim(String repository, int number, ClusterId id) {
        ClaimRequest r = new ClaimRequest(id, Optional.of(new Owner(repository, Optional.of(number))), settings.backend(), settings.spec(),
                settings.ttl(), List.of(settings.kubeconfigTarget(repository, number)), false, Optional.empty(), true);
        ClaimOutcome o = clusters.submit(r);
        driver.kick(id);
        scheduleComment(id);
        return (o.created() ? "claimed " : "already claimed ") + id + " (" + o.cluster().phase().displayName() + ")";
    }

    private String release(ClusterId id, String why) {
        Optional<Cluster> c = live(id);
        if (c.isEmpty()) {
            return "nothing to release for " + why + ": no live cluster " + id;
        }
        Cluster after = clusters.release(id);
        driver.kick(id);
        scheduleComment(id);
        return "released " + id + " (" + why + "): " + after.phase().displayName();
    }

    private String refresh(ClusterId id, String what) {
        scheduleComment(id);
        return what;
    }

    private Optional<Cluster> live(ClusterId id) {
        return repository.find(id).filter(c -> c.phase() != Phase.DELETING && c.phase() != Phase.DELETED);
    }

    private String dispatch(RepositoryDispatchEvent e) {
        boolean create = e.eventType().equals(CREATE);
        if (!create && !e.eventType().equals(DESTROY)) {
            return "ignored: repository_dispatch " + e.eventType() + " is not " + CREATE + " or " + DESTROY;
        }
        // Seed 003's workflow sends pr_number as text and repository as the name only, in the dispatching repository's owner.
        String number = e.payloadFields().getOrDefault("pr_number", "");
        String name = e.payloadFields().getOrDefault("repository", "");
        if (!number.matches("[1-9][0-9]{0,8}") || name.isBlank()) {
            throw EphemeraException.invalid("repository_dispatch " + e.eventType() + " needs client_payload pr_number (a positive number) and repository,"
                    + " as seed 003's workflow sends them");
        }
        String owner = e.repository().substring(0, e.repository().indexOf('/'));
        String repository = name.contains("/") ? name : owner + "/" + name;
        new PullRequestRef(repository, Integer.parseInt(number)); // validates the name
        if (!allowed(repository)) {
            return "ignored: repository not in lifecycle.repositories";
        }
        ClusterId id = settings.clusterIdFor(repository, Integer.parseInt(number));
        return create ? claim(repository, Integer.parseInt(number), id) : release(id, "destroy_ephemeral_cluster");
    }

    // ---- the comment and the status ----

    private CommentSlot slot(ClusterId id) {
        return slots.computeIfAbsent(id, k -> new CommentSlot());
    }

    private void onPhaseChange(PhaseChange change) {
        Cluster c = change.cluster();
        if (!isOurs(c)) {
            return;
        }
        scheduleComment(c.id());
        // When a slot frees or a queued claim starts, the queue positions of the others move.
        if (change.from().filter(p -> p == Phase.QUEUED).isPresent() || !change.to().countsAgainstLimits()) {
            repository.list().stream().filter(x -> x.phase() == Phase.QUEUED && isOurs(x) && !x.id().equals(c.id()))
                    .forEach(x -> scheduleComment(x.id()));
        }
    }

    private boolean isOurs(Cluster c) {
        return c.owner().flatMap(o -> o.pullRequest().map(n -> settings.allows(o.repository())
                && settings.clusterIdFor(o.repository(), n).equals(c.id()))).orElse(false);
    }

    /** Writes the comment soon: at once if the last write is older than the interval, else when it will be; one pending write per pull request. */
    private void scheduleComment(ClusterId id) {
        ScheduledExecutorService s = scheduler;
        if (!running || s == null) {
            return;
        }
        CommentSlot slot = slot(id);
        synchronized (slot) {
            if (slot.pending != null && !slot.pending.isDone()) {
                return; // the write already waiting will render the latest record
            }
            Duration wait = Duration.between(clock.instant(), slot.lastWrite.plus(settings.commentInterval()));
            long delay = Math.max(0, wait.toMillis());
            try {
                slot.pending = s.schedule(() -> write(id), delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("lifecycle stopping; comment of {} not written", id);
            }
        }
    }

    /** Renders the record as it is now and upserts the comment and the status; serialised per pull request by the slot. */
    private void write(ClusterId id) {
        CommentSlot slot = slot(id);
        synchronized (slot) {
            slot.pending = null;
            // The interval counts from the start of this write: a phase change that arrives while it
            // talks to the code host waits for the interval instead of writing again at once.
            slot.lastWrite = clock.instant();
        }
        synchronized (slot.writing) {
            Optional<Cluster> found = repository.find(id);
            if (found.isEmpty()) {
                slots.remove(id);
                return;
            }
            Cluster c = found.get();
            Owner owner = c.owner().orElseThrow();
            int number = owner.pullRequest().orElseThrow();
            PullRequestRef pr = new PullRequestRef(owner.repository(), number);
            try {
                CodeHost host = codeHost.get();
                host.upsertComment(pr, PrComment.MARKER, PrComment.render(c, queuePosition(c), settings.kubeconfigTarget(owner.repository(), number),
                        price(c), clock.instant()));
                // The head commit comes from the stored deliveries, so the status finds its commit after a restart too.
                Optional<String> sha = inbox.lastHeadSha(owner.repository(), number);
                Optional<CommitState> state = statusFor(c.phase());
                if (sha.isPresent() && state.isPresent() && !slot.lastStatus.equals(sha.get() + state.get())) {
                    host.setStatus(owner.repository(), sha.get(), state.get(), STATUS_CONTEXT, statusText(c), Optional.empty());
                    slot.lastStatus = sha.get() + state.get();
                }
                synchronized (slot) {
                    slot.failures = 0;
                }
            } catch (RuntimeException e) {
                synchronized (slot) {
                    slot.failures++;
                    LOG.warn("pull request comment not written cluster={} attempt={} error={}", id, slot.failures,
                            LogText.escape(String.valueOf(e.getMessage())));
                    if (slot.failures < MAX_WRITE_ATTEMPTS && running && (slot.pending == null || slot.pending.isDone())) {
                        long backoff = Math.min(60_000, 500L << slot.failures);
                        try {
                            slot.pending = scheduler.schedule(() -> write(id), backoff, TimeUnit.MILLISECONDS);
                        } catch (java.util.concurrent.RejectedExecutionException stopping) {
                            LOG.debug("lifecycle stopping; comment of {} not retried", id);
                        }
                    }
                }
            }
        }
    }

    /** The price of the cluster's server, when its backend states prices ({@link Pricing}); why not otherwise. */
    private PrComment.Price price(Cluster c) {
        ClusterBackend backend;
        try {
            backend = backends.get().named(c.backend());
        } catch (RuntimeException e) {
            return PrComment.Price.none("backend " + c.backend() + " is not available here");
        }
        if (!(backend instanceof Pricing pricing)) {
            return PrComment.Price.none("backend " + c.backend() + " states no prices");
        }
        try {
            return pricing.priceOf(c.spec()).map(PrComment.Price::of)
                    .orElseGet(() -> PrComment.Price.none("backend " + c.backend() + " lists no price for this size and location"));
        } catch (RuntimeException e) {
            LOG.warn("prices not read; the comment shows n/a cluster={} error={}", c.id(), LogText.escape(String.valueOf(e.getMessage())));
            return PrComment.Price.none("prices could not be read now");
        }
    }

    /** 1 for the queued claim that starts next on its backend (oldest first), as the driver dequeues. */
    Optional<Integer> queuePosition(Cluster c) {
        if (c.phase() != Phase.QUEUED) {
            return Optional.empty();
        }
        List<Cluster> queued = repository.list().stream().filter(x -> x.phase() == Phase.QUEUED && x.backend().equals(c.backend()))
                .sorted(Comparator.comparing(Cluster::createdAt).thenComparing(Cluster::id)).toList();
        for (int i = 0; i < queued.size(); i++) {
            if (queued.get(i).id().equals(c.id())) {
                return Optional.of(i + 1);
            }
        }
        return Optional.empty();
    }

    static Optional<CommitState> statusFor(Phase p) {
        return switch (p) {
            case REQUESTED, QUEUED, PROVISIONING, BOOTSTRAPPING -> Optional.of(CommitState.PENDING);
            case READY -> Optional.of(CommitState.SUCCESS);
            case FAILED -> Optional.of(CommitState.ERROR);
            default -> Optional.empty();
        };
    }

    private static String statusText(Cluster c) {
        String s = "cluster " + c.id() + " is " + c.phase().displayName();
        return s.length() > 140 ? s.substring(0, 140) : s;
    }

    /** How many comment writes wait for their interval now (for tests). */
    int waitingComments() {
        int n = 0;
        for (CommentSlot slot : slots.values()) {
            synchronized (slot) {
                if (slot.pending != null && !slot.pending.isDone()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Runs every waiting comment write now (for shutdown and tests); returns how many ran. */
    public int flushComments() {
        int n = 0;
        for (ClusterId id : List.copyOf(slots.keySet())) {
            CommentSlot slot = slots.get(id);
            if (slot == null) {
                continue;
            }
            boolean due;
            synchronized (slot) {
                due = slot.pending != null && slot.pending.cancel(false);
            }
            if (due) {
                write(id);
                n++;
            }
        }
        return n;
    }
}
