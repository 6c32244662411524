package dev.ephemera.cli.e2e;

import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Kubernetes API of the clusters the fake Hetzner servers boot: fabric8's mock server in CRUD
 * mode over plain HTTP on 127.0.0.1, behind each server's fake K3s (which does the TLS and the
 * client-certificate check). It keeps a log of what reached it, WebSocket opens included, so a
 * test can tell a watch from a read and see who sent what. The adapter closes its watch as soon as
 * the token is there, which {@link KubernetesCrudMock}'s shim is for.
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

    private final AtomicLong seq = new AtomicLong();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final KubernetesCrudMock mock = KubernetesCrudMock.http(new KubernetesCrudMock.Listener() {
        @Override
        public void requested(RecordedRequest request) {
            record(Event.REQUEST, request);
        }

        @Override
        public void watchOpened(RecordedRequest request) {
            record(Event.OPENED, request); // events from now on reach the watch
        }
    });

    /** Where the fake K3s passes requests on: {@code http://127.0.0.1:PORT}. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + mock.port());
    }

    /** The test's own view of the API, straight to the mock (plays controllers, checks what was made). */
    NamespacedKubernetesClient client() {
        return mock.client();
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
        mock.close();
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
