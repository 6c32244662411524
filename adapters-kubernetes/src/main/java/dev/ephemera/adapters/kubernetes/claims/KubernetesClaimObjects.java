package dev.ephemera.adapters.kubernetes.claims;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.claims.ClaimCondition;
import dev.ephemera.ports.claims.ClaimObject;
import dev.ephemera.ports.claims.ClaimObjects;
import dev.ephemera.ports.claims.ClaimRef;
import dev.ephemera.ports.claims.ClaimSpec;
import dev.ephemera.ports.claims.ClaimStatus;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EphemeralCluster} objects through fabric8: one informer per watched namespace (or one for
 * all), status written to the status subresource by compare-and-set on {@code resourceVersion}, the
 * finalizer and the kubeconfig Secret likewise. A write that would change nothing is not sent, so
 * the controller's own status updates do not feed it an endless stream of events.
 */
final class KubernetesClaimObjects implements ClaimObjects {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesClaimObjects.class);
    static final String GROUP = "ephemera.dev";
    static final String VERSION = "v1alpha1";
    static final String KIND = "EphemeralCluster";
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind(KIND).withPlural("ephemeralclusters").withNamespaced(true).build();
    static final String SECRET_KEY = "kubeconfig";
    /** Attempts of one compare-and-set write before it gives up for this round (the controller's resync tries again). */
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final List<String> namespaces;
    private final boolean ownsClient;
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new CopyOnWriteArrayList<>();

    KubernetesClaimObjects(KubernetesClient client, List<String> namespaces, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespaces = List.copyOf(namespaces);
        this.ownsClient = ownsClient;
    }

    @Override
    public AutoCloseable watch(Consumer<ClaimObject> changed) {
        ResourceEventHandler<GenericKubernetesResource> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource r) {
                deliver(r, changed);
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                deliver(after, changed);
            }

            @Override
            public void onDelete(GenericKubernetesResource r, boolean finalStateUnknown) {
                // Gone from the API: the finalizer made the deletion an update first.
            }
        };
        List<SharedIndexInformer<GenericKubernetesResource>> started = new ArrayList<>();
        try {
            if (namespaces.isEmpty()) {
                started.add(client.genericKubernetesResources(CONTEXT).inAnyNamespace().inform(handler, 0));
            } else {
                for (String ns : namespaces) {
                    started.add(client.genericKubernetesResources(CONTEXT).inNamespace(ns).inform(handler, 0));
                }
            }
        } catch (KubernetesClientException e) {
            started.forEach(SharedIndexInformer::close);
            throw failure("watching EphemeralCluster objects", e);
        }
        informers.addAll(started);
        return () -> {
            for (SharedIndexInformer<GenericKubernetesResource> i : started) {
                i.close();
                informers.remove(i);
            }
        };
    }

    private static void deliver(GenericKubernetesResource r, Consumer<ClaimObject> changed) {
        try {
            changed.accept(toClaim(r));
        } catch (RuntimeException e) {
            LOG.warn("claim object not handled object={}/{} error={}", r.getMetadata().getNamespace(), r.getMetadata().getName(), e.toString());
        }
    }

    @Override
    public List<ClaimObject> cached() {
        List<ClaimObject> out = new ArrayList<>();
        for (SharedIndexInformer<GenericKubernetesResource> i : informers) {
            for (GenericKubernetesResource r : i.getStore().list()) {
                out.add(toClaim(r));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static ClaimObject toClaim(GenericKubernetesResource r) {
        var m = r.getMetadata();
        Map<String, Object> spec = r.getAdditionalProperties().get("spec") instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
        Map<String, Object> owner = spec.get("owner") instanceof Map<?, ?> o ? (Map<String, Object>) o : Map.of();
        Map<String, Object> status = r.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
        List<String> pushTo = new ArrayList<>();
        if (spec.get("pushTo") instanceof List<?> l) {
            l.forEach(x -> pushTo.add(String.valueOf(x)));
        } else if (spec.get("pushTo") != null) {
            pushTo.add(String.valueOf(spec.get("pushTo")));
        }
        ClaimSpec s = new ClaimSpec(text(spec, "backend"), text(owner, "repository"), text(owner, "pullRequest"), text(spec, "ttl"),
                text(spec, "size"), text(spec, "location"), text(spec, "kubernetesVersion"), pushTo, text(spec, "heartbeat"),
                text(spec, "tearDownCluster"), text(spec, "keepOnFailure"));
        boolean finalizer = m.getFinalizers() != null && m.getFinalizers().contains(FINALIZER);
        return new ClaimObject(new ClaimRef(m.getNamespace(), m.getName()), Optional.ofNullable(m.getUid()).orElse(""),
                Optional.ofNullable(m.getGeneration()).orElse(0L), s, m.getDeletionTimestamp() != null, finalizer, text(status, "clusterId"));
    }

    private static Optional<String> text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null || v instanceof Map || v instanceof List ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    private Resource<GenericKubernetesResource> object(ClaimRef ref) {
        return client.genericKubernetesResources(CONTEXT).inNamespace(ref.namespace()).withName(ref.name());
    }

    @Override
    public void addFinalizer(ClaimRef ref) {
        changeMetadata(ref, r -> {
            List<String> f = new ArrayList<>(Optional.ofNullable(r.getMetadata().getFinalizers()).orElse(List.of()));
            if (f.contains(FINALIZER) || r.getMetadata().getDeletionTimestamp() != null) {
                return false; // an object being deleted takes no new finalizer
            }
            f.add(FINALIZER);
            r.getMetadata().setFinalizers(f);
            return true;
        });
    }

    @Override
    public void removeFinalizer(ClaimRef ref) {
        changeMetadata(ref, r -> {
            List<String> f = new ArrayList<>(Optional.ofNullable(r.getMetadata().getFinalizers()).orElse(List.of()));
            if (!f.remove(FINALIZER)) {
                return false;
            }
            r.getMetadata().setFinalizers(f);
            return true;
        });
    }

    /** Reads the object, lets {@code change} edit it (false: nothing to do), and writes it back over the version read. */
    private void changeMetadata(ClaimRef ref, Function<GenericKubernetesResource, Boolean> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                GenericKubernetesResource r = object(ref).get();
                if (r == null || !change.apply(r)) {
                    return;
                }
                client.genericKubernetesResources(CONTEXT).inNamespace(ref.namespace()).resource(r).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw failure("changing the finalizers of EphemeralCluster " + ref, e);
                }
            }
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void updateStatus(ClaimRef ref, ClaimStatus status) {
        for (int attempt = 1; ; attempt++) {
            try {
                GenericKubernetesResource r = object(ref).get();
                if (r == null) {
                    return;
                }
                Map<String, Object> old = r.getAdditionalProperties().get("status") instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
                Map<String, Object> next = statusMap(status, old, Instant.now().truncatedTo(ChronoUnit.SECONDS));
                if (canonical(next).equals(canonical(old))) {
                    return;
                }
                r.getAdditionalProperties().put("status", next);
                client.genericKubernetesResources(CONTEXT).inNamespace(ref.namespace()).resource(r).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw failure("writing the status of EphemeralCluster " + ref, e);
                }
            }
        }
    }

    /** The status as a map; each condition keeps its old {@code lastTransitionTime} while its status is unchanged. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> statusMap(ClaimStatus s, Map<String, Object> old, Instant now) {
        Map<String, Map<String, Object>> oldConditions = new LinkedHashMap<>();
        if (old.get("conditions") instanceof List<?> l) {
            for (Object c : l) {
                if (c instanceof Map<?, ?> m && m.get("type") != null) {
                    oldConditions.put(String.valueOf(m.get("type")), (Map<String, Object>) m);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("phase", s.phase());
        s.clusterId().ifPresent(v -> out.put("clusterId", v));
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (ClaimCondition c : s.conditions()) {
            Map<String, Object> was = oldConditions.get(c.type());
            String since = was != null && c.status().equals(was.get("status")) && was.get("lastTransitionTime") != null
                    ? String.valueOf(was.get("lastTransitionTime")) : now.toString();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.type());
            m.put("status", c.status());
            m.put("reason", c.reason());
            m.put("message", c.message());
            m.put("lastTransitionTime", since);
            m.put("observedGeneration", s.observedGeneration());
            conditions.add(m);
        }
        out.put("conditions", conditions);
        s.secretName().ifPresent(n -> out.put("secretRef", Map.of("name", n, "key", SECRET_KEY)));
        s.endpoint().ifPresent(e -> out.put("endpoint", e));
        s.expiresAt().ifPresent(e -> out.put("expiresAt", e.truncatedTo(ChronoUnit.SECONDS).toString()));
        out.put("observedGeneration", s.observedGeneration());
        return out;
    }

    /** Maps sorted by key and numbers as text, so a status read back from JSON compares equal to the one that was written. */
    static Object canonical(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> t = new TreeMap<>();
            m.forEach((k, v) -> t.put(String.valueOf(k), canonical(v)));
            return t;
        }
        if (o instanceof List<?> l) {
            return l.stream().map(KubernetesClaimObjects::canonical).toList();
        }
        return o == null ? null : String.valueOf(o);
    }

    static String secretName(ClaimRef ref) {
        return ref.name() + "-kubeconfig";
    }

    @Override
    public String publishKubeconfig(ClaimRef ref, String uid, Secret kubeconfig) {
        String name = secretName(ref);
        String data = Base64.getEncoder().encodeToString(kubeconfig.revealBytes());
        for (int attempt = 1; ; attempt++) {
            try {
                var secrets = client.secrets().inNamespace(ref.namespace());
                io.fabric8.kubernetes.api.model.Secret cur = secrets.withName(name).get();
                boolean owned = cur != null && cur.getMetadata().getOwnerReferences() != null
                        && cur.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
                if (cur != null && owned && cur.getData() != null && data.equals(cur.getData().get(SECRET_KEY))) {
                    return name;
                }
                io.fabric8.kubernetes.api.model.Secret next = new SecretBuilder()
                        .withNewMetadata().withName(name).withNamespace(ref.namespace())
                        .withResourceVersion(cur == null ? null : cur.getMetadata().getResourceVersion())
                        .addToLabels("app.kubernetes.io/managed-by", "ephemera")
                        .addToLabels("ephemera.dev/claim", ref.name())
                        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(GROUP + "/" + VERSION).withKind(KIND)
                                .withName(ref.name()).withUid(uid).withController(true).withBlockOwnerDeletion(true).build())
                        .endMetadata()
                        .withType("Opaque")
                        .withData(Map.of(SECRET_KEY, data))
                        .build();
                if (cur == null) {
                    secrets.resource(next).create();
                } else {
                    secrets.resource(next).update();
                }
                return name;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw failure("writing Secret " + ref.namespace() + "/" + name, e);
                }
            }
        }
    }

    @Override
    public void withdrawKubeconfig(ClaimRef ref) {
        try {
            var s = client.secrets().inNamespace(ref.namespace()).withName(secretName(ref));
            if (s.get() != null) {
                s.delete();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw failure("deleting Secret " + ref.namespace() + "/" + secretName(ref), e);
            }
        }
    }

    private static EphemeraException failure(String what, KubernetesClientException e) {
        int code = e.getCode();
        if (code == 401 || code == 403) {
            return new EphemeraException(ErrorCode.BACKEND, what + " was refused (HTTP " + code + "): give Ephemera's service account the "
                    + "RBAC in deploy/ephemera/rbac.yaml (docs/kubernetes.md)", e);
        }
        if (code == 404 && e.getMessage() != null && e.getMessage().contains("ephemeralclusters")) {
            return new EphemeraException(ErrorCode.BACKEND, what + ": the EphemeralCluster CRD is not installed; "
                    + "kubectl apply -f deploy/crds/ephemeralclusters.ephemera.dev.yaml", e);
        }
        return new EphemeraException(ErrorCode.UNAVAILABLE, what + " failed: " + e.getMessage(), e);
    }

    @Override
    public Health health() {
        try {
            client.genericKubernetesResources(CONTEXT).inNamespace(namespaces.isEmpty() ? "default" : namespaces.get(0)).list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
            return Health.up("EphemeralCluster objects can be listed");
        } catch (KubernetesClientException e) {
            return Health.down(failure("listing EphemeralCluster objects", e).getMessage());
        }
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "KubernetesClaimObjects[namespaces=" + (namespaces.isEmpty() ? "all" : String.join(",", namespaces)) + "]";
    }
}
