package dev.ephemera.application.lifecycle;

import static dev.ephemera.testkit.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.ClusterDriver;
import dev.ephemera.application.ClusterEvents;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.DriverSettings;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reaper;
import dev.ephemera.application.Reconciler;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterIdPattern;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackends;
import dev.ephemera.ports.backend.Pricing;
import dev.ephemera.domain.cost.ServerPrice;
import java.math.BigDecimal;
import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestAction;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryCodeHost;
import dev.ephemera.testkit.inmemory.InMemoryDeliveryInbox;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The real lifecycle, driver and reconciler over in-memory adapters: events in, clusters,
 * secrets, one comment and a commit status out. (The server test drives the same through signed
 * deliveries and the fake GitHub.)
 */
@DisplayName("The pull request lifecycle")
class PullRequestLifecycleTest {
    private static final String REPO = "acme/shop";
    private static final Duration GRACE = Duration.ofHours(1);
    private static final AtomicInteger DELIVERY = new AtomicInteger();

    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("lab"), false), 1);
    /** Stands in for GitHub's environment secrets, under the sink name the default target uses. */
    private final InMemorySecretSink sink = new InMemorySecretSink();
    private final InMemoryCodeHost github = new InMemoryCodeHost();
    private final InMemoryDeliveryInbox inbox = new InMemoryDeliveryInbox();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
    private final Policies policies = new Policies(Duration.ofDays(3), GRACE, Duration.ofMinutes(15), Duration.ofMinutes(5), 10, Map.of());
    private final IpPools pools = new IpPools(new InMemoryLeaseStore(), clock);
    private final ClusterEvents events = new ClusterEvents();
    private final Clusters clusters = new Clusters(repository, policies, clock, events);
    private final List<AutoCloseable> started = new ArrayList<>();
    private ClusterDriver driver;

    PullRequestLifecycleTest() {
        pools.create("lab", "10.0.0.1-10.0.0.40", List.of());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
    }

    private Reconciler reconciler() {
        return new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> {
            throw new AssertionError("this backend brings its own credentials");
        }, () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("github", sink), pools, policies,
                new ControlPlane("test", List.of()), clock);
    }

    private static LifecycleSettings settings(Duration commentInterval, Optional<String> label) {
        return new LifecycleSettings(Set.of(REPO), "memory", Optional.empty(), Optional.empty(), ClusterIdPattern.defaults(),
                LifecycleSettings.DEFAULT_KUBECONFIG_TO, LifecycleSettings.DraftPolicy.KEEP, label, false, commentInterval);
    }

    private PullRequestLifecycle lifecycle(LifecycleSettings s) {
        if (driver == null) {
            driver = new ClusterDriver(repository, reconciler(), policies, events,
                    new DriverSettings(4, Duration.ofMillis(20), Duration.ofSeconds(30), "server-a"), clock);
            driver.start();
            started.add(driver);
        }
        PullRequestLifecycle l = new PullRequestLifecycle(s, inbox, clusters, repository, driver, events, () -> github,
                () -> SingleAdapterLookups.backends("memory", backend), clock);
        started.add(0, l);
        return l;
    }

    private PullRequestLifecycle started() {
        PullRequestLifecycle l = lifecycle(settings(Duration.ZERO, Optional.empty()));
        l.start();
        return l;
    }

    private static PullRequestEvent pr(PullRequestAction action, int number, String sha) {
        return pr(action, number, sha, REPO, false, Set.of(), Optional.empty());
    }

    private static PullRequestEvent pr(PullRequestAction action, int number, String sha, String repo, boolean fork, Set<String> labels,
                                       Optional<String> label) {
        return new PullRequestEvent("d-" + DELIVERY.incrementAndGet(), repo, number, action, false, sha, "feature/x", "main", "octocat",
                Optional.of(7L), labels, label, fork, false);
    }

    private Optional<Phase> phase(String id) {
        return repository.find(ClusterId.of(id)).map(Cluster::phase);
    }

    private String state() {
        return repository.list().stream().map(c -> c.id() + "=" + c.phase().displayName()).toList() + " inbox=" + inbox.pending(100).size();
    }

    private void everyDeliveryDone() {
        eventually("every delivery processed", () -> inbox.pending(100).isEmpty(), this::state);
    }

    @Test
    @DisplayName("opened: one cluster Ready, its kubeconfig in environment pr-N, one comment kept up to date, status success")
    void openedGivesAReadyCluster() {
        PullRequestLifecycle l = started();
        backend.setObservationsUntilRunning(Integer.MAX_VALUE); // held booting until the pending comment and status are out
        assertThat(l.accept(pr(PullRequestAction.OPENED, 42, "sha-42"))).isTrue();
        eventually("status pending", () -> github.lastStatus("sha-42", "ephemera/cluster").map(s -> s.state() == CommitState.PENDING).orElse(false),
                github::statuses);
        backend.setObservationsUntilRunning(0);

        eventually("pr-42-shop Ready", () -> phase("pr-42-shop").equals(Optional.of(Phase.READY)), this::state);
        eventually("status success", () -> github.lastStatus("sha-42", "ephemera/cluster").map(s -> s.state() == CommitState.SUCCESS).orElse(false),
                github::statuses);

        assertThat(backend.serverCount()).isEqualTo(1);
        assertThat(sink.read(new SecretAddress(REPO, Optional.of("pr-42"), "E2E_KUBECONFIG"))).isPresent();
        List<String> comments = github.comments(new PullRequestRef(REPO, 42));
        assertThat(comments).hasSize(1);
        assertThat(comments.get(0)).startsWith("<!-- ephemera:" + PrComment.MARKER + " -->").contains("**Ready**").contains("environment `pr-42`")
                .contains("environment: pr-42").contains("secrets.E2E_KUBECONFIG").contains("kubectl --kubeconfig").contains("Cost so far / projected | n/a");
        assertThat(github.commentWrites()).as("a write while booting, one once Ready").isGreaterThanOrEqualTo(2);
        assertThat(github.overlaps()).isZero();
        assertThat(github.statuses()).extracting(InMemoryCodeHost.Status::state).startsWith(CommitState.PENDING).endsWith(CommitState.SUCCESS);
    }

    @Test
    @DisplayName("the comment stays one through many phase changes, and a redelivery of opened changes nothing")
    void oneCommentAndRedeliveries() {
        PullRequestLifecycle l = started();
        PullRequestEvent opened = pr(PullRequestAction.OPENED, 5, "sha-5");
        l.accept(opened);
        eventually("Ready", () -> phase("pr-5-shop").equals(Optional.of(Phase.READY)), this::state);
        everyDeliveryDone();
        int writes = github.commentWrites();

        assertThat(l.accept(opened)).as("same delivery id").isFalse();
        for (int i = 0; i < 5; i++) {
            l.accept(pr(PullRequestAction.SYNCHRONIZE, 5, "sha-5"));
        }
        everyDeliveryDone();
        eventually("comment rewritten", () -> github.commentWrites() > writes, github::commentWrites);

        assertThat(backend.creates()).isEqualTo(1);
        assertThat(repository.list()).hasSize(1);
        assertThat(github.comments(new PullRequestRef(REPO, 5))).hasSize(1);
    }

    @Test
    @DisplayName("closed: released at once, deleted when the grace period is over")
    void closedReleasesThenDeletes() {
        PullRequestLifecycle l = started();
        l.accept(pr(PullRequestAction.OPENED, 7, "sha-7"));
        eventually("Ready", () -> phase("pr-7-shop").equals(Optional.of(Phase.READY)), this::state);

        l.accept(pr(PullRequestAction.CLOSED, 7, "sha-7"));
        eventually("Releasing", () -> phase("pr-7-shop").equals(Optional.of(Phase.RELEASING)), this::state);
        eventually("comment says Releasing", () -> github.comments(new PullRequestRef(REPO, 7)).get(0).contains("**Releasing**"));

        clock.advance(GRACE.plusSeconds(1));
        new Reaper(repository, reconciler(), () -> SingleAdapterLookups.backends("memory", backend), policies, clock).sweep(List.of());
        eventually("deleted", () -> phase("pr-7-shop").map(p -> p == Phase.DELETED).orElse(true), this::state);
        assertThat(backend.serverCount()).isZero();
        assertThat(sink.read(new SecretAddress(REPO, Optional.of("pr-7"), "E2E_KUBECONFIG"))).isEmpty();
    }

    @Test
    @DisplayName("repository_dispatch create_ephemeral_cluster with seed 003's payload does what opened does; destroy releases")
    void dispatchLikeSeed003() {
        PullRequestLifecycle l = started();
        l.accept(new RepositoryDispatchEvent("d-dispatch-1", "acme/infra", "create_ephemeral_cluster",
                "{\"pr_number\":\"42\",\"repository\":\"shop\",\"branch\":\"feature/x\"}", "octocat", Optional.of(7L),
                Map.of("pr_number", "42", "repository", "shop", "branch", "feature/x")));

        eventually("pr-42-shop Ready", () -> phase("pr-42-shop").equals(Optional.of(Phase.READY)), this::state);
        assertThat(sink.read(new SecretAddress(REPO, Optional.of("pr-42"), "E2E_KUBECONFIG"))).isPresent();
        eventually("comment Ready", () -> github.comments(new PullRequestRef(REPO, 42)).stream().anyMatch(c -> c.contains("**Ready**")));

        l.accept(new RepositoryDispatchEvent("d-dispatch-2", "acme/infra", "destroy_ephemeral_cluster", "{}", "octocat", Optional.of(7L),
                Map.of("pr_number", "42", "repository", "shop")));
        eventually("Releasing", () -> phase("pr-42-shop").equals(Optional.of(Phase.RELEASING)), this::state);
    }

    @Test
    @DisplayName("deliveries stored before a restart are processed by the next processor on the same store; none is lost")
    void survivesRestart() {
        PullRequestLifecycle before = lifecycle(settings(Duration.ZERO, Optional.empty()));
        for (int n = 1; n <= 3; n++) {
            assertThat(before.accept(pr(PullRequestAction.OPENED, n, "sha-" + n))).isTrue();
        }
        before.close(); // never started: the process died after answering 202
        assertThat(inbox.pending(100)).hasSize(3);
        assertThat(repository.list()).isEmpty();

        PullRequestLifecycle after = lifecycle(settings(Duration.ZERO, Optional.empty()));
        after.start();
        everyDeliveryDone();
        eventually("3 Ready", () -> repository.list().stream().filter(c -> c.phase() == Phase.READY).count() == 3, this::state);
    }

    @Test
    @DisplayName("11 pull requests with a cap of 10: 10 Ready, 1 Queued with its position in the comment, started when one closes")
    void queuesBeyondTheCap() {
        PullRequestLifecycle l = started();
        for (int n = 1; n <= 10; n++) {
            l.accept(pr(PullRequestAction.OPENED, n, "sha-" + n));
        }
        eventually("10 Ready", () -> repository.list().stream().filter(c -> c.phase() == Phase.READY).count() == 10, this::state);
        clock.advance(Duration.ofSeconds(1));
        l.accept(pr(PullRequestAction.OPENED, 11, "sha-11"));
        eventually("pr-11 Queued", () -> phase("pr-11-shop").equals(Optional.of(Phase.QUEUED)), this::state);
        eventually("comment with position", () -> github.comments(new PullRequestRef(REPO, 11)).stream()
                .anyMatch(c -> c.contains("**Queued**") && c.contains("position **1**")), () -> github.comments(new PullRequestRef(REPO, 11)));
        // The status follows the comment in the same write.
        eventually("status pending", () -> github.lastStatus("sha-11", "ephemera/cluster").map(s -> s.state() == CommitState.PENDING).orElse(false),
                github::statuses);

        l.accept(pr(PullRequestAction.CLOSED, 3, "sha-3"));
        eventually("pr-3 Releasing", () -> phase("pr-3-shop").equals(Optional.of(Phase.RELEASING)), this::state);
        clock.advance(GRACE.plusSeconds(1));
        new Reaper(repository, reconciler(), () -> SingleAdapterLookups.backends("memory", backend), policies, clock).sweep(List.of());
        eventually("pr-11 Ready", () -> phase("pr-11-shop").equals(Optional.of(Phase.READY)), this::state);
        eventually("status success", () -> github.lastStatus("sha-11", "ephemera/cluster").map(s -> s.state() == CommitState.SUCCESS).orElse(false));
    }

    @Test
    @DisplayName("an unlisted repository, a fork and a pull request without the required label change nothing")
    void refusals() {
        PullRequestLifecycle l = lifecycle(settings(Duration.ZERO, Optional.of("ephemeral-cluster")));
        l.start();
        l.accept(pr(PullRequestAction.OPENED, 1, "a", "acme/other", false, Set.of("ephemeral-cluster"), Optional.empty()));
        l.accept(pr(PullRequestAction.OPENED, 2, "b", REPO, true, Set.of("ephemeral-cluster"), Optional.empty()));
        l.accept(pr(PullRequestAction.OPENED, 3, "c", REPO, false, Set.of("bug"), Optional.empty()));
        everyDeliveryDone();
        assertThat(repository.list()).isEmpty();
        assertThat(github.commentWrites()).isZero();
        assertThat(github.statuses()).isEmpty();
        assertThat(inbox.pending(10)).isEmpty();

        l.accept(pr(PullRequestAction.LABELED, 3, "c", REPO, false, Set.of("bug", "ephemeral-cluster"), Optional.of("ephemeral-cluster")));
        eventually("labelled: Ready", () -> phase("pr-3-shop").equals(Optional.of(Phase.READY)), this::state);
        l.accept(pr(PullRequestAction.UNLABELED, 3, "c", REPO, false, Set.of("bug"), Optional.of("ephemeral-cluster")));
        eventually("unlabelled: Releasing", () -> phase("pr-3-shop").equals(Optional.of(Phase.RELEASING)), this::state);
    }

    @Test
    @DisplayName("edits one pull request's comment at most once per interval, coalescing the changes in between")
    void coalescesCommentWrites() {
        PullRequestLifecycle l = lifecycle(settings(Duration.ofHours(1), Optional.empty()));
        l.start();
        // Held booting until the first comment is out: with an instant backend the first write could otherwise
        // already show Ready, leaving nothing to coalesce (this test then failed now and then in clean-clone runs).
        backend.setObservationsUntilRunning(Integer.MAX_VALUE);
        l.accept(pr(PullRequestAction.OPENED, 9, "sha-9"));
        eventually("first write", () -> github.commentWrites() == 1);
        backend.setObservationsUntilRunning(0);
        eventually("Ready", () -> phase("pr-9-shop").equals(Optional.of(Phase.READY)), this::state);
        // The lifecycle hears a phase change just after it is saved: wait until the Ready change is waiting.
        eventually("the Ready change waits for the interval", () -> l.waitingComments() == 1, this::state);

        assertThat(github.commentWrites()).as("later phases wait for the interval").isEqualTo(1);
        assertThat(l.flushComments()).isEqualTo(1);
        assertThat(github.commentWrites()).isEqualTo(2);
        assertThat(github.comments(new PullRequestRef(REPO, 9))).singleElement().asString().contains("**Ready**");
    }

    @Test
    @DisplayName("a phase change that arrives while the comment is being written waits for the interval")
    void phaseChangeDuringAWriteWaitsForTheInterval() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        dev.ephemera.ports.codehost.CodeHost gated = new dev.ephemera.ports.codehost.CodeHost() {
            @Override
            public dev.ephemera.ports.codehost.CommentRef upsertComment(PullRequestRef pr, String marker, String body) {
                entered.countDown();
                try {
                    if (!open.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                        throw new AssertionError("gate never opened");
                    }
                    return github.upsertComment(pr, marker, body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                } finally {
                    finished.incrementAndGet();
                }
            }

            @Override
            public void setStatus(String repository, String sha, CommitState state, String context, String description,
                                  Optional<String> targetUrl) {
                github.setStatus(repository, sha, state, context, description, targetUrl);
            }

            @Override
            public dev.ephemera.ports.spi.Health health() {
                return github.health();
            }
        };
        lifecycle(settings(Duration.ZERO, Optional.empty())); // starts the driver
        PullRequestLifecycle l = new PullRequestLifecycle(settings(Duration.ofHours(1), Optional.empty()), inbox, clusters, repository,
                driver, events, () -> gated, () -> SingleAdapterLookups.backends("memory", backend), clock);
        started.add(0, l);
        l.start();
        l.accept(pr(PullRequestAction.OPENED, 11, "sha-11"));
        assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the first write started").isTrue();
        // Later phases arrive while the first write is held.
        eventually("Ready", () -> phase("pr-11-shop").equals(Optional.of(Phase.READY)), this::state);
        open.countDown();
        eventually("first write done", () -> finished.get() == 1);

        assertThat(l.flushComments()).as("the later phases wait for the interval, then go in one write").isEqualTo(1);
        assertThat(finished.get()).isEqualTo(2);
        assertThat(github.comments(new PullRequestRef(REPO, 11))).singleElement().asString().contains("**Ready**");
    }

    @Test
    @DisplayName("after a restart the commit status still reaches the head commit, read from the stored deliveries")
    void headCommitSurvivesARestart() {
        PullRequestLifecycle first = started();
        backend.setObservationsUntilRunning(Integer.MAX_VALUE); // held booting across the restart
        first.accept(pr(PullRequestAction.OPENED, 7, "sha-7"));
        eventually("status pending", () -> github.lastStatus("sha-7", "ephemera/cluster").map(s -> s.state() == CommitState.PENDING).orElse(false),
                github::statuses);
        everyDeliveryDone();
        first.close();

        // A new process: nothing of the first one's memory, the same inbox and records.
        PullRequestLifecycle second = new PullRequestLifecycle(settings(Duration.ZERO, Optional.empty()), inbox, clusters, repository, driver, events,
                () -> github, () -> SingleAdapterLookups.backends("memory", backend), clock);
        started.add(0, second);
        second.start();
        backend.setObservationsUntilRunning(0);

        eventually("status success on sha-7", () -> github.lastStatus("sha-7", "ephemera/cluster").map(s -> s.state() == CommitState.SUCCESS)
                .orElse(false), github::statuses);
    }

    @Test
    @DisplayName("a held processor stores deliveries and leaves them pending; released, it processes them")
    void holdProcessing() throws Exception {
        PullRequestLifecycle l = started();
        AutoCloseable hold = l.holdProcessing();
        assertThat(l.accept(pr(PullRequestAction.OPENED, 8, "sha-8"))).isTrue();

        assertThat(l.processPending()).isZero();
        assertThat(inbox.pending(10)).hasSize(1);
        assertThat(repository.list()).isEmpty();

        hold.close();
        hold.close(); // idempotent
        eventually("claimed", () -> phase("pr-8-shop").isPresent(), this::state);
        everyDeliveryDone();
    }

    @Test
    @DisplayName("a backend with prices puts the cost so far and projected into the comment; one without says n/a")
    void costInTheComment() {
        ServerPrice cpx21 = new ServerPrice("cpx21", "fsn1", "EUR", new BigDecimal("0.0128"), new BigDecimal("0.0152"), new BigDecimal("7.99"),
                new BigDecimal("9.5081"));
        ClusterBackends priced = SingleAdapterLookups.backends("memory", new PricedBackend(backend, cpx21));
        lifecycle(settings(Duration.ZERO, Optional.empty())); // starts the driver
        PullRequestLifecycle l = new PullRequestLifecycle(settings(Duration.ZERO, Optional.empty()), inbox, clusters, repository, driver, events,
                () -> github, () -> priced, clock);
        started.add(0, l);
        l.start();
        l.accept(pr(PullRequestAction.OPENED, 9, "sha-9"));
        eventually("comment Ready", () -> github.comments(new PullRequestRef(REPO, 9)).stream().anyMatch(c -> c.contains("**Ready**")),
                () -> github.comments(new PullRequestRef(REPO, 9)).toString());

        // The test clock stands still: the server is one started hour old; projected over the 3 day lifetime (72 h).
        assertThat(github.comments(new PullRequestRef(REPO, 9)).get(0)).contains("Cost so far / projected | €0.02 (net €0.01) so far;")
                .contains("€1.09 (net €0.92) projected until 2026-12-09T08:00:00Z").contains("cpx21 in fsn1: €0.0152/h");
    }

    /** The in-memory backend with a price list, as a backend that rents servers has. */
    private record PricedBackend(InMemoryClusterBackend delegate, ServerPrice price) implements dev.ephemera.ports.backend.ClusterBackend, Pricing {
        @Override
        public BackendTraits traits() {
            return delegate.traits();
        }

        @Override
        public dev.ephemera.domain.cluster.BackendRef ensure(dev.ephemera.ports.backend.ProvisionRequest request) {
            return delegate.ensure(request);
        }

        @Override
        public dev.ephemera.ports.backend.Observation observe(ClusterId id) {
            return delegate.observe(id);
        }

        @Override
        public void destroy(ClusterId id) {
            delegate.destroy(id);
        }

        @Override
        public List<dev.ephemera.ports.backend.OwnedResource> owned() {
            return delegate.owned();
        }

        @Override
        public Optional<ServerPrice> priceOf(dev.ephemera.domain.cluster.ClusterSpec spec) {
            return Optional.of(price);
        }
    }
}
