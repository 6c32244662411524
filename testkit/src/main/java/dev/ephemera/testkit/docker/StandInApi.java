package dev.ephemera.testkit.docker;

import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * What the stand-in K3s's API does besides fabric8's CRUD: kube-controller-manager's token
 * controller (a {@code kubernetes.io/service-account-token} Secret whose ServiceAccount exists gets
 * {@code token}, {@code ca.crt} and {@code namespace}; one whose ServiceAccount is missing is
 * deleted), and the authenticator behind {@code kubectl auth whoami}: a SelfSubjectReview names
 * the ServiceAccount whose token the request carries, and an unknown token is refused with 401.
 */
public final class StandInApi implements AutoCloseable {
    static final String TOKEN_TYPE = "kubernetes.io/service-account-token";
    static final String SA_NAME = "kubernetes.io/service-account.name";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KubernetesClient client;
    private final String caPem;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "token-controller");
        t.setDaemon(true);
        return t;
    });
    private final SharedIndexInformer<Secret> informer;
    /** Token → {@code namespace:serviceaccount}, for every token minted whose Secret still exists. */
    private final Map<String, String> tokens = new java.util.concurrent.ConcurrentHashMap<>();

    public StandInApi(KubernetesCrudMock api, String caPem) {
        this.client = api.client();
        this.caPem = caPem;
        api.server().expect().post().withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews").andReply(new ResponseProvider<Object>() {
            private Headers headers = Headers.builder().add("Content-Type", "application/json").build();

            @Override
            public Object getBody(RecordedRequest request) {
                return review(request.getHeader("Authorization"));
            }

            @Override
            public int getStatusCode(RecordedRequest request) {
                return serviceAccountOf(request.getHeader("Authorization")) == null ? 401 : 201;
            }

            @Override
            public Headers getHeaders() {
                return headers;
            }

            @Override
            public void setHeaders(Headers h) {
                headers = h;
            }
        }).always();
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
                String key = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
                tokens.values().removeIf(v -> v.endsWith("@" + key));
            }
        });
    }

    /** {@code namespace/name} of the ServiceAccount whose token the bearer header carries, or null. */
    private String serviceAccountOf(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return null;
        }
        // Answered on the mock's own thread, which must not ask the mock anything: the tokens are kept here.
        return tokens.get(authorization.substring(7).trim());
    }

    private Object review(String authorization) {
        String owner = serviceAccountOf(authorization);
        if (owner != null) {
            String sa = owner.substring(0, owner.indexOf('@'));
            String ns = sa.substring(0, sa.indexOf(':'));
            return Map.of("kind", "SelfSubjectReview", "apiVersion", "authentication.k8s.io/v1", "metadata", Map.of(),
                    "status", Map.of("userInfo", Map.of("username", "system:serviceaccount:" + sa,
                            "groups", java.util.List.of("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"))));
        }
        // Only a bearer token of a ServiceAccount is known to this authenticator.
        return Map.of("kind", "Status", "apiVersion", "v1", "metadata", Map.of(), "status", "Failure", "message", "Unauthorized",
                "reason", "Unauthorized", "code", 401);
    }

    private void seen(Secret s) {
        if (TOKEN_TYPE.equals(s.getType()) && (s.getData() == null || !s.getData().containsKey("token"))) {
            try {
                worker.execute(() -> fill(s.getMetadata().getNamespace(), s.getMetadata().getName()));
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void fill(String ns, String name) {
        Secret s = client.secrets().inNamespace(ns).withName(name).get();
        if (s == null || (s.getData() != null && s.getData().containsKey("token"))) {
            return;
        }
        String saName = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(SA_NAME);
        ServiceAccount sa = saName == null ? null : client.serviceAccounts().inNamespace(ns).withName(saName).get();
        if (sa == null) {
            client.secrets().inNamespace(ns).withName(name).delete();
            return;
        }
        byte[] raw = new byte[48];
        RANDOM.nextBytes(raw);
        String token = "eyJ" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Map<String, String> data = new HashMap<>();
        data.put("token", b64(token));
        data.put("ca.crt", b64(caPem));
        data.put("namespace", b64(ns));
        s.setData(data);
        tokens.put(token, ns + ":" + saName + "@" + ns + "/" + name);
        client.secrets().inNamespace(ns).resource(s).update();
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
