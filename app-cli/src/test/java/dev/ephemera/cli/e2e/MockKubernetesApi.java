package dev.ephemera.cli.e2e;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Kubernetes API of the clusters the fake Hetzner servers boot: fabric8's mock server in CRUD
 * mode over plain HTTP on 127.0.0.1, behind each server's fake K3s (which does the TLS and the
 * client-certificate check). It keeps a log of what reached it, WebSocket opens included, so a
 * test can tell a watch from a read and see who sent what.
 *
 * <p>One shim, as in adapters-kubernetes' tests: fabric8's mock (8.0.0) handles a watch closed by
 * the client by waiting, on its event loop, up to a minute for its send executor, whose pending
 * close needs that same loop; every other connection stalls meanwhile. The adapter closes its watch
 * as soon as the token is there, so the shim runs the mock's own close handling on another thread.
 * It changes no answer the mock gives.
 */
final class MockKubernetesApi implements AutoCloseable {
    /** One thing the API server saw: a request dispatched, or a WebSocket (a watch) opened for one. */
    record Event(long seq, String kind, String method, String path, String authorization, String userAgent) {
        static final String REQUEST = "request";
        static final String OPENED = "opened";

        String pathOnly() {
            return path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        }

        boolean isWatch() {
            return path.contains("?") && ("&" + path.substring(path.indexOf('?') + 1) + "&").contains("&watch=true&");
        }
    }

    private final MockWebServer web = new MockWebServer();
    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;
    private final AtomicLong seq = new AtomicLong();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-watch-closer");
        t.setDaemon(true);
        return t;
    });

    MockKubernetesApi() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), web, responses,
                new Recording(new KubernetesMixedDispatcher(responses)), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the mock Kubernetes API", e);
        }
        client = server.createClient();
    }

    /** Where the fake K3s passes requests on: {@code http://127.0.0.1:PORT}. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getPort());
    }

    /** The test's own view of the API, straight to the mock (plays controllers, checks what was made). */
    NamespacedKubernetesClient client() {
        return client;
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    /** Called after every new event (on the mock's threads: keep it short). */
    void onEvent(Runnable r) {
        listeners.add(r);
    }

    private void record(String kind, RecordedRequest r) {
        events.add(new Event(seq.incrementAndGet(), kind, r.getMethod(), r.getPath(), r.getHeader("Authorization"), r.getHeader("User-Agent")));
        listeners.forEach(Runnable::run);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
        closer.shutdownNow();
    }

    /** Logs each request and watch, and hands the mock's watch-close callbacks to another thread (see the class comment). */
    private final class Recording extends Dispatcher {
        private final Dispatcher delegate;

        Recording(Dispatcher delegate) {
            this.delegate = delegate;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            record(Event.REQUEST, request);
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
                    record(Event.OPENED, request); // after the mock registered the watch: events from now on reach it
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

    /** Requests (not watch opens) whose path, without the query, is {@code path}. */
    List<Event> requestsTo(String path) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.kind().equals(Event.REQUEST) && e.pathOnly().equals(path)) {
                out.add(e);
            }
        }
        return out;
    }
}
