package dev.ephemera.adapters.kubernetes.workload;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays kube-controller-manager's token controller against the mock, through a watch: a
 * {@code kubernetes.io/service-account-token} Secret whose ServiceAccount exists gets
 * {@code token}, {@code ca.crt}, {@code namespace} and the {@code service-account.uid}
 * annotation; one whose ServiceAccount is missing is deleted, as the real controller does. It can
 * also be told to delete the first few Secrets it sees, the race DESIGN §10 warns of.
 */
final class TokenController implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KubernetesClient client;
    private final String caPem;
    private final AtomicInteger deleteFirst;
    private final SharedIndexInformer<Secret> informer;
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final List<String> deleted = new CopyOnWriteArrayList<>();

    TokenController(KubernetesClient client, String caPem, int deleteFirst) {
        this.client = client;
        this.caPem = caPem;
        this.deleteFirst = new AtomicInteger(deleteFirst);
        this.informer = client.secrets().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                handle(s);
            }

            @Override
            public void onUpdate(Secret old, Secret s) {
                handle(s);
            }

            @Override
            public void onDelete(Secret s, boolean unknownFinalState) {
            }
        });
    }

    private void handle(Secret s) {
        if (!CiAccountSetup.TOKEN_TYPE.equals(s.getType()) || (s.getData() != null && s.getData().containsKey("token"))) {
            return;
        }
        String ns = s.getMetadata().getNamespace();
        String saName = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(CiAccountSetup.SA_NAME);
        ServiceAccount sa = saName == null ? null : client.serviceAccounts().inNamespace(ns).withName(saName).get();
        if (sa == null || deleteFirst.getAndDecrement() > 0) {
            deleted.add(ns + "/" + s.getMetadata().getName());
            client.secrets().inNamespace(ns).withName(s.getMetadata().getName()).delete();
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
        Map<String, String> annotations = new HashMap<>(s.getMetadata().getAnnotations());
        annotations.put(CiAccountSetup.SA_UID, sa.getMetadata().getUid() == null ? "" : sa.getMetadata().getUid());
        s.getMetadata().setAnnotations(annotations);
        // Recorded first: the adapter may see the filled Secret before update() returns here.
        tokens.add(token);
        client.secrets().inNamespace(ns).resource(s).update();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        informer.close();
    }
}
