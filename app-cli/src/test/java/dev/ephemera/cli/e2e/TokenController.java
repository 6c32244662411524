package dev.ephemera.cli.e2e;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Plays kube-controller-manager's token controller on the mock API, watching Secrets directly (not
 * through the fake K3s): a {@code kubernetes.io/service-account-token} Secret whose ServiceAccount
 * exists gets {@code token}, {@code ca.crt} (the cluster's server CA), {@code namespace} and the
 * {@code service-account.uid} annotation; one whose ServiceAccount is missing is deleted, as the
 * real controller does.
 *
 * <p>It fills a Secret only once Ephemera, through the fake K3s, has opened a watch on it and then
 * read it: from then on the only way Ephemera can learn the token is an event on that watch. So a
 * claim that reaches Ready proves the watch (a WebSocket) passes the fake K3s end to end.
 */
final class TokenController implements AutoCloseable {
    static final String TOKEN_TYPE = "kubernetes.io/service-account-token";
    static final String SA_NAME = "kubernetes.io/service-account.name";
    static final String SA_UID = "kubernetes.io/service-account.uid";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MockKubernetesApi api;
    private final KubernetesClient client;
    private final Supplier<String> caPem;
    private final Map<String, Secret> waiting = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "token-controller");
        t.setDaemon(true);
        return t;
    });
    private final SharedIndexInformer<Secret> informer;
    /** Every token minted, in order. */
    final List<String> tokens = new CopyOnWriteArrayList<>();
    /** Secrets deleted because their ServiceAccount was missing. */
    final List<String> deleted = new CopyOnWriteArrayList<>();

    /** @param caPem the CA that signs the cluster's serving certificate, asked for when a Secret is filled */
    TokenController(MockKubernetesApi api, Supplier<String> caPem) {
        this.api = api;
        this.client = api.client();
        this.caPem = caPem;
        api.onEvent(() -> submit(this::fillWatched));
        this.informer = client.secrets().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                seen(s);
            }

            @Override
            public void onUpdate(Secret old, Secret s) {
                seen(s);
            }

            @Override
            public void onDelete(Secret s, boolean unknownFinalState) {
                waiting.remove(key(s));
            }
        });
    }

    private void seen(Secret s) {
        if (TOKEN_TYPE.equals(s.getType()) && (s.getData() == null || !s.getData().containsKey("token"))) {
            waiting.put(key(s), s);
            submit(this::fillWatched);
        }
    }

    private void submit(Runnable r) {
        try {
            worker.execute(r); // never on the mock's own threads: filling talks to the mock
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void fillWatched() {
        for (Secret s : List.copyOf(waiting.values())) {
            String ns = s.getMetadata().getNamespace();
            String name = s.getMetadata().getName();
            if (watchedThenRead(ns, name) && waiting.remove(key(s)) != null) {
                fill(ns, name);
            }
        }
    }

    /** Since the Secret was last created: a watch on it was opened, and it was read after that watch was asked for. */
    private boolean watchedThenRead(String ns, String name) {
        String collection = "/api/v1/namespaces/" + ns + "/secrets";
        String item = collection + "/" + name;
        List<MockKubernetesApi.Event> events = api.events();
        long created = 0;
        for (MockKubernetesApi.Event e : events) {
            if (e.kind().equals(MockKubernetesApi.Event.REQUEST) && e.method().equals("POST") && e.pathOnly().equals(collection)) {
                created = e.seq();
            }
        }
        long watch = -1;
        boolean opened = false;
        boolean read = false;
        for (MockKubernetesApi.Event e : events) {
            if (e.seq() <= created) {
                continue;
            }
            boolean onIt = e.isWatch() && (e.pathOnly().equals(collection) || e.pathOnly().equals(item));
            if (watch < 0 && onIt && e.kind().equals(MockKubernetesApi.Event.REQUEST)) {
                watch = e.seq();
            } else if (watch >= 0 && onIt && e.kind().equals(MockKubernetesApi.Event.OPENED)) {
                opened = true;
            } else if (watch >= 0 && e.kind().equals(MockKubernetesApi.Event.REQUEST) && e.method().equals("GET") && e.path().equals(item)) {
                read = true;
            }
        }
        return opened && read;
    }

    private void fill(String ns, String name) {
        Secret s = client.secrets().inNamespace(ns).withName(name).get();
        if (s == null) {
            return;
        }
        String saName = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(SA_NAME);
        ServiceAccount sa = saName == null ? null : client.serviceAccounts().inNamespace(ns).withName(saName).get();
        if (sa == null) {
            deleted.add(ns + "/" + name);
            client.secrets().inNamespace(ns).withName(name).delete();
            return;
        }
        byte[] raw = new byte[48];
        RANDOM.nextBytes(raw);
        String token = "eyJ" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Map<String, String> data = new HashMap<>();
        data.put("token", b64(token));
        data.put("ca.crt", b64(caPem.get()));
        data.put("namespace", b64(ns));
        s.setData(data);
        Map<String, String> annotations = new HashMap<>(s.getMetadata().getAnnotations());
        annotations.put(SA_UID, sa.getMetadata().getUid() == null ? "" : sa.getMetadata().getUid());
        s.getMetadata().setAnnotations(annotations);
        tokens.add(token); // first: Ephemera may see the filled Secret before update() returns here
        client.secrets().inNamespace(ns).resource(s).update();
    }

    private static String key(Secret s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        informer.close();
        worker.shutdownNow();
    }
}
