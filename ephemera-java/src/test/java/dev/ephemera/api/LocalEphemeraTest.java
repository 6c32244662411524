package dev.ephemera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import dev.ephemera.application.Clusters;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embedded mode on the real assembly (SQLite state, PKI, file sink) with an in-memory backend and API server. */
@DisplayName("Ephemera.local(): claim, wait for Ready, use, delete or release on close")
class LocalEphemeraTest {
    @TempDir
    Path dir;
    private Path config;

    @BeforeEach
    void configure() throws IOException {
        config = dir.resolve("ephemera.yaml");
        Files.writeString(config, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
    }

    /** The cluster as the store has it, read through a second, independent assembly on the same file. */
    private Optional<Phase> stored(String id) {
        try (dev.ephemera.bootstrap.Ephemera e = dev.ephemera.bootstrap.Ephemera.start(ConfigLoader.Request.fromProcess(Optional.of(config)),
                Optional.empty())) {
            return e.get(Clusters.class).list().stream().filter(c -> c.id().value().equals(id)).findFirst().map(c -> c.phase());
        }
    }

    @Test
    @DisplayName("claim returns a Ready cluster with its kubeconfig as text, a 0600 file and a fabric8 client; close deletes it and waits")
    void claimUseAndDelete() throws Exception {
        Path file;
        try (EphemeralCluster c = Ephemera.local(config).claim(ClusterRequest.builder().id("it-1").ttl("1h").build())) {
            assertThat(c.id()).isEqualTo("it-1");
            assertThat(c.backend()).isEqualTo("instant");
            assertThat(stored("it-1")).contains(Phase.READY);
            assertThat(InstantBackendFactory.BACKEND.request(ClusterId.of("it-1"))).isPresent();
            assertThat(c.kubeconfig()).contains("kind: Config").contains("server: \"" + c.apiUrl() + "\"");
            file = c.kubeconfigPath();
            assertThat(Files.readString(file)).isEqualTo(c.kubeconfig());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(c.kubernetesClient().getConfiguration().getMasterUrl()).startsWith(c.apiUrl().toString());
            assertThat(c.kubernetesClient()).isSameAs(c.kubernetesClient());
            assertThat(c.toString()).doesNotContain(c.kubeconfig().lines().filter(l -> l.contains("token:")).findFirst().orElse("token:"));
        }
        assertThat(stored("it-1")).contains(Phase.DELETED);
        assertThat(InstantBackendFactory.BACKEND.request(ClusterId.of("it-1"))).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    @DisplayName("onClose RELEASE leaves the cluster in its grace period instead of deleting it")
    void release() {
        try (EphemeralCluster c = Ephemera.local(config).claim(ClusterRequest.builder().id("it-2").onClose(OnClose.RELEASE).build())) {
            assertThat(c.id()).isEqualTo("it-2");
        }
        assertThat(stored("it-2")).contains(Phase.RELEASING);
        assertThat(InstantBackendFactory.BACKEND.request(ClusterId.of("it-2"))).isPresent();
    }

    @Test
    @DisplayName("closing the Ephemera closes the clusters still open; a closed handle refuses to be used")
    void closingTheEphemeraClosesItsClusters() {
        EphemeralCluster a;
        EphemeralCluster b;
        try (Ephemera e = Ephemera.local(config)) {
            a = e.claim(ClusterRequest.builder().id("it-3a").build());
            b = e.claim(ClusterRequest.builder().id("it-3b").build());
            a.close();
            assertThat(stored("it-3a")).contains(Phase.DELETED);
            assertThat(stored("it-3b")).contains(Phase.READY);
        }
        assertThat(stored("it-3b")).contains(Phase.DELETED);
        assertThatThrownBy(b::kubernetesClient).isInstanceOf(EphemeraException.class).hasMessageContaining("was closed (deleted)");
        b.close(); // idempotent
    }

    @Test
    @DisplayName("a warm pool the configuration lacks is refused, and so is an unknown backend; nothing is recorded")
    void refusedRequests() {
        Ephemera e = Ephemera.local(config);
        assertThatThrownBy(() -> e.claim(ClusterRequest.builder().id("it-4").pool("ci").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("warm pool 'ci' is not configured");
        assertThatThrownBy(() -> e.claim(ClusterRequest.builder().id("it-4").backend("nope").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("no cluster backend named 'nope'").hasMessageContaining("instant");
        assertThat(stored("it-4")).isEmpty();
        e.close();
    }

    @Test
    @DisplayName("a claim naming a warm pool takes its Ready member (aliased to the claim's id) and deletes it on close")
    void claimFromAWarmPool() throws Exception {
        Files.writeString(config, "warm-pools:\n  ci:\n    backend: instant\n    size: 1\n", java.nio.file.StandardOpenOption.APPEND);
        ClusterId member;
        // Fill the pool as `ephemera warm-pool fill --wait` does: the keeper adds a member, the reconciler brings it up.
        try (dev.ephemera.bootstrap.Ephemera rt = dev.ephemera.bootstrap.Ephemera.start(ConfigLoader.Request.fromProcess(Optional.of(config)),
                Optional.empty())) {
            java.util.List<ClusterId> created = rt.get(dev.ephemera.application.warmpool.WarmPools.class).tick().created();
            assertThat(created).hasSize(1);
            member = created.get(0);
            assertThat(rt.get(dev.ephemera.application.Reconciler.class).runUntilSettled(member, java.time.Instant.now().plusSeconds(60),
                    x -> { }, x -> { }).phase()).isEqualTo(Phase.READY);
        }
        try (EphemeralCluster c = Ephemera.local(config).claim(ClusterRequest.builder().id("it-9").pool("ci").build())) {
            assertThat(c.id()).as("the member's own id; it-9 is its alias").isEqualTo(member.value());
            assertThat(c.kubeconfig()).contains("kind: Config");
            assertThat(InstantBackendFactory.BACKEND.serverCount()).isGreaterThanOrEqualTo(1);
            assertThat(stored("it-9")).as("no record of its own: the claim took the member").isEmpty();
        }
        assertThat(stored(member.value())).contains(Phase.DELETED);
    }

    @Test
    @DisplayName("a claim whose backend fails throws the failure and leaves nothing: the record ends Deleted")
    void failedClaimIsCleanedUp() {
        InstantBackendFactory.BACKEND.failNextCreate(new EphemeraException(ErrorCode.BACKEND, "quota exceeded"));
        assertThatThrownBy(() -> Ephemera.local(config).claim(ClusterRequest.builder().id("it-5").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.BACKEND))
                .hasMessageContaining("it-5").hasMessageContaining("quota exceeded");
        assertThat(stored("it-5")).contains(Phase.DELETED);
        assertThat(InstantBackendFactory.BACKEND.request(ClusterId.of("it-5"))).isEmpty();
    }

    @Test
    @DisplayName("bad requests are refused when they are built")
    void requestValidation() {
        assertThatThrownBy(() -> ClusterRequest.builder().id("Not_A_Label").build()).isInstanceOf(EphemeraException.class);
        assertThatThrownBy(() -> ClusterRequest.builder().build()).hasMessageContaining("needs an id");
        assertThatThrownBy(() -> ClusterRequest.builder().id("a").ttl(Duration.ZERO).build()).hasMessageContaining("ttl must be a positive duration");
        assertThatThrownBy(() -> ClusterRequest.builder().id("a").owner("not an owner").build()).isInstanceOf(EphemeraException.class);
        assertThatThrownBy(() -> ClusterRequest.builder().id("a").pushTo("nosink").build()).isInstanceOf(EphemeraException.class);
        assertThat(ClusterRequest.builder().id("a").build().onClose()).isEqualTo(OnClose.DELETE);
    }
}
