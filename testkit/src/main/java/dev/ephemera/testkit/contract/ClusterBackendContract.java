package dev.ephemera.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ClusterBackend} must do, whatever it runs clusters on: create idempotently by
 * cluster id, report a created cluster {@code RUNNING} with an {@code https} endpoint, find
 * everything it made by label alone, and destroy all of it — twice without complaint. An adapter's
 * test is a short subclass that says how to make the backend and a cluster's PKI.
 */
@DisplayName("A cluster backend")
public abstract class ClusterBackendContract {
    protected ClusterBackend backend;
    private int counter;

    /** A fresh backend; its installation must be this test run's own, so what others made is never touched. */
    protected abstract ClusterBackend newBackend();

    /** The PKI bundle of a new cluster, for backends that use ours ({@code usesEphemeraPki}). */
    protected abstract PkiBundle pki(ClusterId id);

    /** The labels the core sets on every request (cluster and installation). */
    protected abstract Map<String, String> labels(ClusterId id);

    /** How long a created cluster may take to be {@code RUNNING}. */
    protected Duration runningWithin() {
        return Duration.ofMinutes(2);
    }

    @BeforeEach
    void start() {
        backend = newBackend();
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            for (OwnedResource r : backend.owned()) {
                r.clusterId().ifPresent(c -> backend.destroy(ClusterId.of(c)));
            }
            backend.close();
        }
    }

    protected ClusterId newId() {
        return ClusterId.of("contract-" + (++counter) + "-" + Long.toString(System.nanoTime() % 100000, 36));
    }

    protected ProvisionRequest request(ClusterId id) {
        Optional<PkiBundle> pki = backend.traits().usesEphemeraPki() ? Optional.of(pki(id)) : Optional.empty();
        return new ProvisionRequest(id, ClusterSpec.defaults(), Optional.empty(), pki, labels(id));
    }

    /** Observes with backoff until the state is no longer CREATING/ABSENT, or the deadline passes. */
    protected Observation awaitSettled(ClusterId id) {
        Instant deadline = Instant.now().plus(runningWithin());
        long pause = 50;
        while (true) {
            Observation o = backend.observe(id);
            if (o.state() != Observation.State.CREATING && o.state() != Observation.State.ABSENT) {
                return o;
            }
            if (Instant.now().isAfter(deadline)) {
                return o;
            }
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 1000);
        }
    }

    private List<OwnedResource> ownedBy(ClusterId id) {
        return backend.owned().stream().filter(r -> r.clusterId().equals(Optional.of(id.value()))).toList();
    }

    @Nested
    @DisplayName("creating")
    class Creating {
        @Test
        @DisplayName("makes a cluster that is RUNNING with an https endpoint")
        void createsRunningCluster() {
            ClusterId id = newId();
            BackendRef ref = backend.ensure(request(id));

            Observation o = awaitSettled(id);

            assertThat(o.state()).as(o.detail()).isEqualTo(Observation.State.RUNNING);
            assertThat(o.endpoint()).hasValueSatisfying(e -> assertThat(e.apiUrl().getScheme()).isEqualTo("https"));
            assertThat(ref.id()).isNotBlank();
        }

        @Test
        @DisplayName("a second ensure of the same id makes nothing new and returns the same reference")
        void ensureIsIdempotent() {
            ClusterId id = newId();
            BackendRef first = backend.ensure(request(id));
            List<OwnedResource> before = ownedBy(id);

            BackendRef second = backend.ensure(request(id));

            assertThat(second).isEqualTo(first);
            assertThat(ownedBy(id)).containsExactlyInAnyOrderElementsOf(before);
        }

        @Test
        @DisplayName("everything made for a cluster is found by owned(), labelled with the cluster's id")
        void ownedFindsEverything() {
            ClusterId id = newId();
            backend.ensure(request(id));

            assertThat(ownedBy(id)).isNotEmpty();
        }
    }

    @Nested
    @DisplayName("destroying")
    class Destroying {
        @Test
        @DisplayName("removes every resource of the cluster, and a second destroy succeeds")
        void destroyRemovesAllIdempotently() {
            ClusterId id = newId();
            ClusterId other = newId();
            backend.ensure(request(id));
            backend.ensure(request(other));

            backend.destroy(id);
            backend.destroy(id);

            assertThat(ownedBy(id)).isEmpty();
            assertThat(backend.observe(id).state()).isEqualTo(Observation.State.ABSENT);
            assertThat(ownedBy(other)).as("another cluster is left alone").isNotEmpty();
        }

        @Test
        @DisplayName("a cluster that never existed is ABSENT, and destroying it is not an error")
        void unknownClusterIsAbsent() {
            ClusterId id = newId();

            assertThat(backend.observe(id).state()).isEqualTo(Observation.State.ABSENT);
            backend.destroy(id);
        }
    }
}
