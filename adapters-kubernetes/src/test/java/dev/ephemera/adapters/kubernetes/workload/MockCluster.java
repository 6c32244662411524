package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A new cluster's API server as far as bootstrap goes: fabric8's mock in CRUD mode over HTTPS on
 * 127.0.0.1, whose self-signed serving certificate (SANs localhost and 127.0.0.1) stands for the
 * cluster CA. The mock does not ask for client certificates, so the admin certificate is offered
 * but not checked here; {@link ProbeTest} checks it against a server that does. The adapter closes
 * its watch as soon as the token is there, which {@link KubernetesCrudMock}'s shim is for.
 */
final class MockCluster implements AutoCloseable {
    private final KubernetesCrudMock mock = KubernetesCrudMock.https();
    private final KubernetesMockServer server = mock.server();
    private final NamespacedKubernetesClient client = mock.client();
    private final String caPem;
    private final TestPki.Issued admin;

    MockCluster() {
        try {
            caPem = Files.readString(mock.certificatePath(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            mock.close();
            throw new IllegalStateException(e);
        }
        TestPki.Issued clientCa = TestPki.ca("cluster-client-ca", TestPki.Alg.EC);
        admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
    }

    URI uri() {
        return URI.create("https://127.0.0.1:" + server.getPort());
    }

    /** What the Reconciler hands the adapter: the cluster's CA and an admin client certificate. */
    AdminAccess admin() {
        return new AdminAccess(uri(), caPem, admin.certPem(), admin.keyPem());
    }

    /** The same, with another admin certificate and key (the mock does not check it; the adapter must still load it). */
    AdminAccess admin(TestPki.Issued other, dev.ephemera.domain.secret.Secret keyPem) {
        return new AdminAccess(uri(), caPem, other.certPem(), keyPem);
    }

    String caPem() {
        return caPem;
    }

    /** The test's own view of the API (plays the controllers, checks what was made). */
    NamespacedKubernetesClient client() {
        return client;
    }

    KubernetesMockServer server() {
        return server;
    }

    /** Every request the server has seen since the last call, oldest first. */
    List<RecordedRequest> drainRequests() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r = server.takeRequest(200, TimeUnit.MILLISECONDS); r != null; r = server.takeRequest(200, TimeUnit.MILLISECONDS)) {
            out.add(r);
        }
        return out;
    }

    @Override
    public void close() {
        mock.close();
    }
}
