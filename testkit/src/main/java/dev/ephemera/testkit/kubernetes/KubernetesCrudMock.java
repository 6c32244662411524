package dev.ephemera.testkit.kubernetes;

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
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * fabric8's Kubernetes mock API server in CRUD mode on 127.0.0.1 (ephemeral port), over HTTP or
 * HTTPS, with a client of its own, for every test that needs a Kubernetes API to talk to.
 *
 * <p>One shim: fabric8's mock (8.0.0) handles a watch closed by the client by waiting, on the
 * event loop, up to a minute for its send executor, whose pending close needs that same event
 * loop; every other connection on the loop stalls meanwhile. Clients such as our adapters close
 * their watches as soon as they have what they waited for, so the shim runs the mock's own close
 * handling on another thread. It changes no answer the mock gives.
 */
public final class KubernetesCrudMock implements AutoCloseable {
    /** What a test may want to see of the traffic; called on the mock's threads, so keep it short. */
    public interface Listener {
        /** A request reached the mock, before the mock answers it. */
        default void requested(RecordedRequest request) {
        }

        /** The mock accepted a WebSocket (a watch) for {@code request}: events from now on reach it. */
        default void watchOpened(RecordedRequest request) {
        }
    }

    private static final Listener NONE = new Listener() {
    };

    private final MockWebServer web = new MockWebServer();
    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;
    private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-watch-closer");
        t.setDaemon(true);
        return t;
    });

    private KubernetesCrudMock(boolean https, Listener listener) {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), web, responses,
                new WatchCloseOffLoop(new KubernetesMixedDispatcher(responses), listener), https);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            closer.shutdownNow();
            throw new IllegalStateException("cannot start fabric8's Kubernetes mock API server on 127.0.0.1", e);
        }
        client = server.createClient();
    }

    /** Over plain HTTP. */
    public static KubernetesCrudMock http() {
        return new KubernetesCrudMock(false, NONE);
    }

    /** Over plain HTTP, telling {@code listener} about each request and each watch opened. */
    public static KubernetesCrudMock http(Listener listener) {
        return new KubernetesCrudMock(false, listener);
    }

    /** Over HTTPS with the mock's self-signed certificate (SANs localhost and 127.0.0.1); see {@link #certificatePath()}. */
    public static KubernetesCrudMock https() {
        return new KubernetesCrudMock(true, NONE);
    }

    public KubernetesMockServer server() {
        return server;
    }

    /** The test's own view of the API, straight to the mock. */
    public NamespacedKubernetesClient client() {
        return client;
    }

    public int port() {
        return server.getPort();
    }

    /** The PEM file of the self-signed certificate the mock serves HTTPS with. */
    public Path certificatePath() {
        return Path.of(web.getSelfSignedCertificate().certificatePath());
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
        closer.shutdownNow();
    }

    /** Tells the listener what it asked for and hands the mock's watch-close callbacks to another thread (see the class comment). */
    private final class WatchCloseOffLoop extends Dispatcher {
        private final Dispatcher delegate;
        private final Listener listener;

        WatchCloseOffLoop(Dispatcher delegate, Listener listener) {
            this.delegate = delegate;
            this.listener = listener;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            listener.requested(request);
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
                    listener.watchOpened(request); // after the mock registered the watch
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
                // The mock is closing: nothing waits on this watch any more.
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
