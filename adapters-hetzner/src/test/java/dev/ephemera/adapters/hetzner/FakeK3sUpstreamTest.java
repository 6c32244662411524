package dev.ephemera.adapters.hetzner;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A booted fake server in front of a Kubernetes API")
class FakeK3sUpstreamTest {
    private static final String SA_LIST = "{\"kind\":\"ServiceAccountList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}";
    private HttpServer upstream;
    private FakeHetzner fake;
    private URI api;
    private PkiBundle pki;

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        upstream.createContext("/api/v1/namespaces/ephemera-ci/serviceaccounts", x -> {
            byte[] b = SA_LIST.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        upstream.start();
        fake = FakeHetzner.start(FakeHetzner.Options.defaults().withKubernetesUpstream(
                URI.create("http://127.0.0.1:" + upstream.getAddress().getPort())));
        pki = K3sTestPki.bundle("EC");
        HetznerClusterBackend backend = new HetznerClusterBackend(HetznerSettings.from(new Settings("hetzner", Map.of(
                "token", fake.token(), "api-url", fake.apiUrl().toString(), "api-port", Integer.toString(fake.apiPort())))),
                Clock.systemUTC(), new RecordingSleeper());
        backend.ensure(new ProvisionRequest(ClusterId.of("k1"), ClusterSpec.defaults(), Optional.empty(), Optional.of(pki), Map.of()));
        api = backend.observe(ClusterId.of("k1")).endpoint().orElseThrow().apiUrl();
    }

    @AfterEach
    void stop() {
        try {
            assertThat(fake.violations()).isEmpty();
        } finally {
            fake.close();
            upstream.stop(0);
        }
    }

    @Test
    @DisplayName("passes an admin-certificate request through, over TLS verified against our CA")
    void adminCertificateRequestsReachTheUpstream() throws Exception {
        HttpResponse<String> r = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/api/v1/namespaces/ephemera-ci/serviceaccounts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SA_LIST);
    }

    @Test
    @DisplayName("kubectl with a token user reads through it; without credentials it gets 401")
    void kubectlWithATokenUser(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(CloudInitTest.onPath("kubectl"), "kubectl is not installed; skipping the independent-client check");
        String ca = Base64.getEncoder().encodeToString(pki.serverCaPem().getBytes(StandardCharsets.US_ASCII));
        Path kc = dir.resolve("kubeconfig");
        Files.writeString(kc, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: k1
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: ci
                  user:
                    token: not-checked-by-the-upstream
                contexts:
                - name: k1
                  context: {cluster: k1, user: ci}
                current-context: k1
                """.formatted(api, ca));
        Process p = new ProcessBuilder(List.of("kubectl", "--kubeconfig", kc.toString(), "get", "--raw",
                "/api/v1/namespaces/ephemera-ci/serviceaccounts")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("ServiceAccountList");

        HttpResponse<String> anonymous = K3sTestPki.anonymousClient(pki).send(
                HttpRequest.newBuilder(api.resolve("/api/v1/namespaces/ephemera-ci/serviceaccounts")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }
}
