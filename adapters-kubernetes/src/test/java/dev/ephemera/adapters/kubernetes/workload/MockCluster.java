package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.ports.workload.AdminAccess;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A new cluster's API server as far as bootstrap goes: fabric8's mock in CRUD mode over HTTPS on
 * 127.0.0.1, whose self-signed serving certificate (SANs localhost and 127.0.0.1) stands for the
 * cluster CA. The mock does not ask for client certificates, so the admin certificate is offered
 * but not checked here; {@link ProbeTest} checks it against a server that does.
 *
 * <p>One shim: fabric8's mock (8.0.0) handles a watch closed by the client by waiting, on the
 * event loop, up to a minute for its send executor, whose pending close needs that same event
 * loop; every other connection on the loop stalls meanwhile. The adapter closes its watch as soon
 * as the token is there, so the shim runs the mock's own close handling on another thread. It
 * changes no answer the mock gives.
 */
final class MockCluster implements AutoCloseable {
    private final MockWebServer web = new MockWebServer();
    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;
    private final String caPem;
    private final TestPki.Issued admin;
    private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-watch-closer");
        t.setDaemon(true);
        return t;
    });

    MockCluster() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), web, responses,
                new WatchCloseOffLoop(new KubernetesMixedDispatcher(responses), closer), true);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
            caPem = Files.readString(Path.of(web.getSelfSignedCertificate().certificatePath()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        client = server.createClient();
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
        client.close();
        server.destroy();
        closer.shutdownNow();
    }

    /** Hands the mock's watch-close callbacks to another thread (see the class comment). */
    private static final class WatchCloseOffLoop extends Dispatcher {
        private final Dispatcher delegate;
        private final ExecutorService closer;

        WatchCloseOffLoop(Dispatcher delegate, ExecutorService closer) {
            this.delegate = delegate;
            this.closer = closer;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            MockResponse r = delegate.dispatch(request);
            WebSocketListener inner = r == null ? null : r.getWebSocketListener();
            return inner == null ? r : r.withWebSocketUpgrade(new WebSocketListener() {
                @Override
                public void onBeforeAccept(WebSocket ws, Response response) {
                    inner.onBeforeAccept(ws, response);
                }

                @Override
                public void onOpen(WebSocket ws, Response response) {
                    inner.onOpen(ws, response);
                }

                @Override
                public void onMessage(WebSocket ws, String text) {
                    inner.onMessage(ws, text);
                }

                @Override
                public void onMessage(WebSocket ws, ByteString bytes) {
                    inner.onMessage(ws, bytes);
                }

                @Override
                public void onMessage(WebSocket ws, byte[] bytes) {
                    inner.onMessage(ws, bytes);
                }

                @Override
                public void onPing(WebSocket ws, byte[] bytes) {
                    inner.onPing(ws, bytes);
                }

                @Override
                public void onClosing(WebSocket ws, int code, String reason) {
                    inner.onClosing(ws, code, reason);
                }

                @Override
                public void onClosed(WebSocket ws, int code, String reason) {
                    offLoop(() -> inner.onClosed(ws, code, reason));
                }

                @Override
                public void onFailure(WebSocket ws, Throwable t, Response response) {
                    offLoop(() -> inner.onFailure(ws, t, response));
                }
            });
        }

        private void offLoop(Runnable r) {
            try {
                closer.execute(r);
            } catch (RejectedExecutionException e) {
                // The mock cluster is closing: nothing waits on this watch any more.
            }
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
        }

        @Override
        public void releaseResources() {
            delegate.releaseResources();
        }
    }
}
