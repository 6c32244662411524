package dev.ephemera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.testkit.inmemory.InstantBackendFactory;
import dev.ephemera.application.Clusters;
import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client mode against the real server (Vert.x on 127.0.0.1, its driver, SQLite) on an in-memory backend, with a bearer token. */
@DisplayName("Ephemera.remote(): claim through the REST API, wait with the long poll, delete on close")
class RemoteEphemeraTest {
    private static final String TOKEN = "a-test-token-of-some-length-0123456789";

    @TempDir
    Path dir;
    private dev.ephemera.bootstrap.Ephemera ephemera;
    private EphemeraServer server;
    private URI base;

    @BeforeEach
    void startServer() throws IOException {
        Path cfg = dir.resolve("ephemera.yaml");
        Files.writeString(cfg, "backend: instant\nworkload: in-memory\nsinks: file\nsqlite:\n  path: " + dir.resolve("state.db")
                + "\nfile:\n  directory: " + dir.resolve("secrets") + "\nserver:\n  token: env:EPHEMERA_TEST_API_TOKEN\n");
        ephemera = dev.ephemera.bootstrap.Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of("EPHEMERA_TEST_API_TOKEN", TOKEN), dir, dir)), AdapterRegistry.discover());
        server = new EphemeraServer(ephemera, ServerSettings.from(ephemera.config().section("server")).withPort(0).withHost("127.0.0.1"));
        base = URI.create("http://127.0.0.1:" + server.start());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (ephemera != null) {
            ephemera.close();
        }
    }

    private Phase stored(String id) {
        return ephemera.get(Clusters.class).get(ClusterId.of(id)).phase();
    }

    @Test
    @DisplayName("claim returns the Ready cluster with the kubeconfig the server keeps; close deletes it and waits until it is Deleted")
    void claimAndDelete() {
        try (Ephemera e = Ephemera.remote(base, TOKEN); EphemeralCluster c = e.claim(ClusterRequest.builder().id("rt-1").ttl("1h").build())) {
            assertThat(c.id()).isEqualTo("rt-1");
            assertThat(c.backend()).isEqualTo("instant");
            assertThat(stored("rt-1")).isEqualTo(Phase.READY);
            assertThat(c.kubeconfig()).isEqualTo(ephemera.get(Clusters.class).kubeconfig(ClusterId.of("rt-1")).reveal());
            assertThat(c.kubernetesClient().getConfiguration().getMasterUrl()).startsWith(c.apiUrl().toString());
        }
        assertThat(stored("rt-1")).isEqualTo(Phase.DELETED);
        assertThat(InstantBackendFactory.BACKEND.request(ClusterId.of("rt-1"))).isEmpty();
    }

    @Test
    @DisplayName("onClose RELEASE asks the server to release it")
    void release() {
        Ephemera.remote(base, TOKEN).claim(ClusterRequest.builder().id("rt-2").onClose(OnClose.RELEASE).build()).close();
        assertThat(stored("rt-2")).isEqualTo(Phase.RELEASING);
    }

    @Test
    @DisplayName("the server's refusals arrive as Ephemera errors with the server's code: a wrong token, an unknown backend")
    void refusals() {
        assertThatThrownBy(() -> Ephemera.remote(base, "wrong-token-wrong-token").claim(ClusterRequest.builder().id("rt-3").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("401");
        assertThatThrownBy(() -> Ephemera.remote(base, TOKEN).claim(ClusterRequest.builder().id("rt-3").backend("nope").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("400");
        assertThatThrownBy(() -> Ephemera.remote(base, TOKEN).claim(ClusterRequest.builder().id("rt-3").pool("ci").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("warm pool 'ci' is not configured");
        assertThat(ephemera.get(Clusters.class).list()).isEmpty();
    }

    @Test
    @DisplayName("a report needs the cluster's diagnostics, which client mode cannot collect: it says so and what to run")
    void reportIsUnavailable() {
        try (EphemeralCluster c = Ephemera.remote(base, TOKEN).claim(ClusterRequest.builder().id("rt-4").build())) {
            assertThatThrownBy(() -> c.report(dir.resolve("report")))
                    .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("ephemera report --kubeconfig");
        }
    }

    @Test
    @DisplayName("no server at the address: UNAVAILABLE after a bounded number of attempts")
    void noServer() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> Ephemera.remote(URI.create("http://127.0.0.1:" + port)).claim(ClusterRequest.builder().id("rt-5").build()))
                .isInstanceOfSatisfying(EphemeraException.class, x -> assertThat(x.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("did not answer").hasMessageContaining("5 attempts");
        assertThatThrownBy(() -> Ephemera.remote(URI.create("ftp://x"))).hasMessageContaining("http:// or https://");
    }
}
