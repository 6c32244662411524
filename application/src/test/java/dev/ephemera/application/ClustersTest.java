package dev.ephemera.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.fake.vault.MutableClock;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ClustersTest {
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));
    private final Policies policies = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(5),
            2, Map.of("hetzner", 1));
    private final ClusterEvents events = new ClusterEvents();
    private final Clusters clusters = new Clusters(repository, policies, clock, events);

    private static ClaimRequest request(String id, String backend, Optional<Duration> heartbeat, boolean queue) {
        return new ClaimRequest(ClusterId.of(id), Optional.empty(), backend, ClusterSpec.defaults(), Optional.empty(), List.of(), false,
                heartbeat, queue);
    }

    @Test
    void aNewClaimIsCreatedAndTheSameClaimAgainIsNot() {
        ClaimOutcome first = clusters.submit(request("pr-1", "kind", Optional.empty(), false));
        ClaimOutcome again = clusters.submit(request("pr-1", "kind", Optional.empty(), false));

        assertThat(first.created()).isTrue();
        assertThat(again.created()).isFalse();
        assertThat(again.cluster()).isEqualTo(first.cluster());
        assertThat(repository.list()).hasSize(1);
    }

    @Test
    void theSameIdOnAnotherBackendIsAConflictAndChangesNothing() {
        Cluster c = clusters.claim(request("pr-1", "kind", Optional.empty(), false));

        EphemeraException e = catchThrowableOfType(() -> clusters.submit(request("pr-1", "hetzner", Optional.empty(), false)),
                EphemeraException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(repository.find(c.id())).contains(c);
    }

    @Test
    void beyondTheCapAClaimIsRefusedOrQueued() {
        clusters.claim(request("a", "kind", Optional.empty(), false));
        clusters.claim(request("b", "hetzner", Optional.empty(), false));

        EphemeraException refused = catchThrowableOfType(() -> clusters.submit(request("c", "kind", Optional.empty(), false)),
                EphemeraException.class);
        ClaimOutcome queued = clusters.submit(request("d", "kind", Optional.empty(), true));

        assertThat(refused.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(refused.getMessage()).contains("policies.max-concurrent");
        assertThat(repository.find(ClusterId.of("c"))).isEmpty();
        assertThat(queued.created()).isTrue();
        assertThat(queued.cluster().phase()).isEqualTo(Phase.QUEUED);
        assertThat(queued.cluster().timeline()).extracting(t -> t.phase()).containsExactly(Phase.REQUESTED, Phase.QUEUED);
    }

    @Test
    void thePerBackendCapAppliesToItsBackend() {
        clusters.claim(request("a", "hetzner", Optional.empty(), false));

        EphemeraException refused = catchThrowableOfType(() -> clusters.submit(request("b", "hetzner", Optional.empty(), false)),
                EphemeraException.class);

        assertThat(refused.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(refused.getMessage()).contains("hetzner");
        assertThat(clusters.submit(request("c", "kind", Optional.empty(), false)).created()).isTrue();
    }

    @Test
    void renewAndAnyNewClaimOfTheIdRestartTheHeartbeat() {
        Cluster c = clusters.claim(request("hb", "kind", Optional.of(Duration.ofMinutes(10)), false));
        assertThat(c.heartbeatDeadline()).contains(clock.instant().plus(Duration.ofMinutes(10)));

        clock.advance(Duration.ofMinutes(5));
        assertThat(clusters.renew(c.id()).heartbeatDeadline()).contains(clock.instant().plus(Duration.ofMinutes(10)));
        clock.advance(Duration.ofMinutes(5));
        ClaimOutcome again = clusters.submit(request("hb", "kind", Optional.of(Duration.ofMinutes(10)), false));
        assertThat(again.created()).isFalse();
        assertThat(again.cluster().heartbeatDeadline()).contains(clock.instant().plus(Duration.ofMinutes(10)));
    }

    @Test
    void renewingAnUnknownClusterIsNotFoundAndADeletingOneIsAConflict() {
        assertThat(catchThrowableOfType(() -> clusters.renew(ClusterId.of("nope")), EphemeraException.class).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        Cluster c = clusters.claim(request("gone", "kind", Optional.of(Duration.ofMinutes(10)), false));
        clusters.delete(c.id());
        assertThat(catchThrowableOfType(() -> clusters.renew(c.id()), EphemeraException.class).code()).isEqualTo(ErrorCode.CONFLICT);
    }

    @Test
    void aHeartbeatTooShortIsInvalidAndNothingIsRecorded() {
        EphemeraException e = catchThrowableOfType(() -> clusters.submit(request("hb", "kind", Optional.of(Duration.ofSeconds(1)), false)),
                EphemeraException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID);
        assertThat(repository.list()).isEmpty();
    }

    @Test
    void everySavedPhaseChangeIsPublishedOnce() {
        List<PhaseChange> heard = new CopyOnWriteArrayList<>();
        events.subscribe(heard::add);

        Cluster c = clusters.claim(request("pr-1", "kind", Optional.empty(), false));
        clusters.claim(request("pr-1", "kind", Optional.empty(), false));
        events.saw(repository.find(c.id()).orElseThrow()); // a rescan reading the same record
        clusters.release(c.id());

        assertThat(heard).extracting(PhaseChange::from, PhaseChange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Optional.empty(), Phase.REQUESTED),
                org.assertj.core.groups.Tuple.tuple(Optional.of(Phase.REQUESTED), Phase.DELETING));
    }

    /** A store where another process (the server's driver) saves a step of the cluster right before our first write. */
    private ClusterRepository racedOnce() {
        boolean[] raced = {false};
        return (ClusterRepository) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ClusterRepository.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("update") && !raced[0]) {
                        raced[0] = true;
                        Cluster stored = repository.find(((Cluster) args[0]).id()).orElseThrow();
                        repository.update(stored.note(clock.instant(), "a step saved by the driver meanwhile"));
                    }
                    try {
                        return method.invoke(repository, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void releaseAndDeleteAreNotRefusedWhenTheDriverSavedAStepMeanwhile() {
        clusters.claim(request("pr-1", "kind", Optional.empty(), false));
        clusters.claim(request("pr-2", "kind", Optional.empty(), false));

        Cluster deleted = new Clusters(racedOnce(), policies, clock, events).delete(ClusterId.of("pr-1"));
        Cluster released = new Clusters(racedOnce(), policies, clock, events).release(ClusterId.of("pr-2"));

        assertThat(deleted.phase()).isEqualTo(Phase.DELETING);
        assertThat(released.phase()).isEqualTo(Phase.DELETING); // released before Ready
        assertThat(repository.find(ClusterId.of("pr-1")).orElseThrow().timeline()).extracting(e -> e.message())
                .contains("a step saved by the driver meanwhile", "deletion requested");
    }
}
