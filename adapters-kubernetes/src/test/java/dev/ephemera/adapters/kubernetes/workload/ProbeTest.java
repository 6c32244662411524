package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.Readiness;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("probe: GET /readyz with the admin client certificate over TLS verified against the cluster CA")
class ProbeTest {
    private TestPki.Issued serverCa;
    private TestPki.Issued clientCa;
    private ReadyzServer server;
    private KubernetesWorkloadClusters workload;

    @BeforeAll
    void startServer() throws Exception {
        serverCa = TestPki.ca("test-server-ca", TestPki.Alg.EC);
        clientCa = TestPki.ca("test-client-ca", TestPki.Alg.EC);
        server = new ReadyzServer(TestPki.server(serverCa, "kube-apiserver", List.of("localhost"), List.of("127.0.0.1"), TestPki.Alg.EC), clientCa);
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    @BeforeEach
    void freshAdapter() {
        server.answer(200, "ok");
        workload = new KubernetesWorkloadClusters(new WorkloadSettings(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @AfterEach
    void closeAdapter() {
        workload.close();
    }

    private AdminAccess access(URI uri, TestPki.Issued ca, TestPki.Issued client, Secret key) {
        return new AdminAccess(uri, ca.certPem(), client.certPem(), key);
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({"EC, PKCS8", "EC, TRADITIONAL", "RSA, PKCS8", "RSA, TRADITIONAL"})
    @DisplayName("is ready with a client certificate of the client CA, whatever its key type and PEM form")
    void readyWithTheAdminCertificate(TestPki.Alg alg, String form) {
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", alg);
        Secret key = form.equals("PKCS8") ? admin.keyPem() : admin.traditionalKeyPem();

        Readiness r = workload.probe(access(server.uri(), serverCa, admin, key));

        assertThat(r.ready()).as(r.detail()).isTrue();
        assertThat(r.detail()).isEqualTo("ok");
    }

    @Test
    @DisplayName("probes the same server again over the cached connection")
    void probesAgain() {
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        AdminAccess a = access(server.uri(), serverCa, admin, admin.keyPem());
        assertThat(workload.probe(a).ready()).isTrue();
        assertThat(workload.probe(a).ready()).isTrue();
        assertThat(workload.health().detail()).startsWith("1 ");
    }

    @Test
    @DisplayName("is not ready, without throwing, when the client certificate comes from another CA")
    void clientCertificateOfAnotherCa() {
        TestPki.Issued otherCa = TestPki.ca("someone-else", TestPki.Alg.EC);
        TestPki.Issued stranger = TestPki.client(otherCa, "system:admin", "system:masters", TestPki.Alg.EC);

        Readiness r = workload.probe(access(server.uri(), serverCa, stranger, stranger.keyPem()));

        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).contains(server.uri().resolve("/readyz").toString()).contains("admin client certificate");
    }

    @Test
    @DisplayName("is not ready when the server's certificate is not signed by the cluster CA")
    void serverCertificateOfAnotherCa() {
        TestPki.Issued otherCa = TestPki.ca("not-the-cluster-ca", TestPki.Alg.EC);
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);

        Readiness r = workload.probe(access(server.uri(), otherCa, admin, admin.keyPem()));

        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).contains("TLS failed");
    }

    @Test
    @DisplayName("is not ready when the server's certificate does not name the address")
    void serverCertificateForAnotherName() throws Exception {
        TestPki.Issued wrongName = TestPki.server(serverCa, "kube-apiserver", List.of("api.example.invalid"), List.of("192.0.2.10"), TestPki.Alg.EC);
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        try (ReadyzServer other = new ReadyzServer(wrongName, clientCa)) {
            Readiness r = workload.probe(access(other.uri(), serverCa, admin, admin.keyPem()));

            assertThat(r.ready()).isFalse();
            assertThat(r.detail()).contains("TLS failed");
        }
    }

    @Test
    @DisplayName("is not ready when nothing listens on the port")
    void refusedConnection() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);

        Readiness r = workload.probe(access(URI.create("https://127.0.0.1:" + port), serverCa, admin, admin.keyPem()));

        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).contains("connection refused");
    }

    @Test
    @DisplayName("is not ready when /readyz answers 500, and says which check failed")
    void serverError() {
        server.answer(500, "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed");
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);

        Readiness r = workload.probe(access(server.uri(), serverCa, admin, admin.keyPem()));

        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).contains("answered 500").contains("[-]etcd failed");
    }

    @Test
    @DisplayName("refuses admin access whose PEM is not PEM, naming the server, since no retry can fix it")
    void malformedPem() {
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        AdminAccess bad = new AdminAccess(server.uri(), "not a certificate", admin.certPem(), admin.keyPem());

        assertThatThrownBy(() -> workload.probe(bad))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("cluster CA").hasMessageContaining(server.uri().toString());
    }

    @Test
    @DisplayName("refuses a plain http server URL rather than send anything without TLS")
    void plainHttp() {
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        URI http = URI.create("http://127.0.0.1:" + server.uri().getPort());

        assertThatThrownBy(() -> workload.probe(access(http, serverCa, admin, admin.keyPem())))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("not an https URL");
    }

    @Test
    @DisplayName("refuses a client key that does not belong to the client certificate")
    void mismatchedKey() {
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        TestPki.Issued other = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);

        assertThatThrownBy(() -> workload.probe(access(server.uri(), serverCa, admin, other.keyPem())))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("does not belong");
    }

    @Test
    @DisplayName("asks for /readyz below the server URL, keeping a proxy's path prefix")
    void pathPrefix() {
        assertThat(KubernetesWorkloadClusters.readyz(URI.create("https://203.0.113.10:6443"))).hasToString("https://203.0.113.10:6443/readyz");
        assertThat(KubernetesWorkloadClusters.readyz(URI.create("https://rancher.example/k8s/clusters/c-1/")))
                .hasToString("https://rancher.example/k8s/clusters/c-1/readyz");
    }

    @Test
    @DisplayName("never prints the client key")
    void keyNotInDetail() {
        TestPki.Issued otherCa = TestPki.ca("someone-else", TestPki.Alg.EC);
        TestPki.Issued stranger = TestPki.client(otherCa, "system:admin", "system:masters", TestPki.Alg.EC);
        AdminAccess a = access(server.uri(), serverCa, stranger, stranger.keyPem());

        Readiness r = workload.probe(a);

        assertThat(r.detail()).doesNotContain("PRIVATE KEY");
        assertThat(a.toString()).doesNotContain("PRIVATE KEY");
    }
}
