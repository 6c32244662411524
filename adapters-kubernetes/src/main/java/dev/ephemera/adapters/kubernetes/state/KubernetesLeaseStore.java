package dev.ephemera.adapters.kubernetes.state;

import static dev.ephemera.adapters.kubernetes.state.Api.ATTEMPTS;
import static dev.ephemera.adapters.kubernetes.state.Api.INSTALLATION;
import static dev.ephemera.adapters.kubernetes.state.Api.KIND;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.PoolDefinition;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.domain.lease.Versioned;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.spi.Health;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each IP pool as one ConfigMap {@code <installation>-pool-<name>} ({@code ephemera.dev/kind=pool}): {@code pool.json}
 * holds {@link PoolState#toDocument()}, {@code version} the store version. Every write is a compare-and-set on the
 * ConfigMap's {@code resourceVersion}, and moves the version on by one.
 *
 * <p>Deleting a pool leaves a tombstone ({@code deleted: "true"}, the version kept) rather than removing the
 * ConfigMap, so a pool created again goes on counting from where the old one stopped and a write based on a read
 * of the old pool can never match.
 */
final class KubernetesLeaseStore implements LeaseStore {
    static final String LABEL_POOL = "ephemera.dev/pool";
    static final String STATE = "pool.json";
    static final String VERSION = "version";
    static final String DELETED = "deleted";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {
    };

    private final KubernetesClient client;
    private final String namespace;
    private final String installation;
    private final boolean ownsClient;

    KubernetesLeaseStore(KubernetesClient client, String namespace, String installation, boolean ownsClient) {
        this.client = client;
        this.namespace = namespace;
        this.installation = installation;
        this.ownsClient = ownsClient;
    }

    private String name(String pool) {
        PoolDefinition.requireValidName(pool);
        return installation + "-pool-" + pool;
    }

    private ConfigMap get(String pool) {
        String n = name(pool);
        return Api.call("reading ConfigMap " + namespace + "/" + n, () -> client.configMaps().inNamespace(namespace).withName(n).get());
    }

    private static boolean isTombstone(ConfigMap cm) {
        return cm.getData() != null && "true".equals(cm.getData().get(DELETED));
    }

    private long version(ConfigMap cm) {
        try {
            return Long.parseLong(String.valueOf(cm.getData().get(VERSION)));
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "ConfigMap " + namespace + "/" + cm.getMetadata().getName()
                    + " has no readable version; it is not a pool written by Ephemera: fix or delete it", e);
        }
    }

    private PoolState decode(String pool, ConfigMap cm) {
        try {
            PoolState s = PoolState.fromDocument(JSON.readValue(String.valueOf(cm.getData().get(STATE)), DOCUMENT));
            if (!s.name().equals(pool)) {
                throw EphemeraException.invalid("it holds pool '" + s.name() + "'");
            }
            return s;
        } catch (JsonProcessingException | IllegalArgumentException | EphemeraException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "ConfigMap " + namespace + "/" + cm.getMetadata().getName()
                    + " is not a pool state written by Ephemera: " + e.getMessage() + "; fix or delete it", e);
        }
    }

    private static String encode(PoolState state) {
        try {
            return JSON.writeValueAsString(state.toDocument());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a pool document of strings and numbers always encodes", e);
        }
    }

    private ConfigMap object(String pool, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name(pool)).withNamespace(namespace)
                .addToLabels(INSTALLATION, installation).addToLabels(KIND, "pool").addToLabels(LABEL_POOL, pool).endMetadata()
                .withData(data).build();
    }

    @Override
    public Optional<Versioned<PoolState>> read(String pool) {
        ConfigMap cm = get(pool);
        if (cm == null || isTombstone(cm)) {
            return Optional.empty();
        }
        return Optional.of(new Versioned<>(decode(pool, cm), version(cm)));
    }

    @Override
    public boolean create(PoolState initial) {
        String pool = initial.name();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = get(pool);
            if (current != null && !isTombstone(current)) {
                return false;
            }
            long version = current == null ? 1 : version(current) + 1;
            Map<String, String> data = Map.of(STATE, encode(initial), VERSION, Long.toString(version));
            try {
                if (current == null) {
                    Api.call("creating ConfigMap " + namespace + "/" + name(pool),
                            () -> client.configMaps().inNamespace(namespace).resource(object(pool, data)).create());
                } else {
                    ConfigMap next = new ConfigMapBuilder(current).withData(data).build();
                    Api.call("updating ConfigMap " + namespace + "/" + name(pool),
                            () -> client.configMaps().inNamespace(namespace).resource(next).update());
                }
                return true;
            } catch (KubernetesClientException e) {
                Api.backoff(attempt); // created (or deleted) meanwhile: look again
            }
        }
        throw Api.contended("creating pool " + pool);
    }

    @Override
    public boolean compareAndSet(String pool, long expectedVersion, PoolState next) {
        if (!next.name().equals(pool)) {
            throw EphemeraException.invalid("pool state for '" + next.name() + "' cannot be written as pool '" + pool + "'");
        }
        String doc = encode(next);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = get(pool);
            if (current == null || isTombstone(current)) {
                throw EphemeraException.notFound("pool '" + pool + "' does not exist; create it first (ephemera pool create)");
            }
            long stored = version(current);
            if (stored != expectedVersion) {
                return false;
            }
            ConfigMap updated = new ConfigMapBuilder(current).withData(Map.of(STATE, doc, VERSION, Long.toString(stored + 1))).build();
            try {
                Api.call("updating ConfigMap " + namespace + "/" + name(pool),
                        () -> client.configMaps().inNamespace(namespace).resource(updated).update());
                return true;
            } catch (KubernetesClientException e) {
                // The object changed since our read; the next read tells whether the version moved (then: false).
                Api.backoff(attempt);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                Api.backoff(attempt); // removed (outside Ephemera) since our read: the next read says NOT_FOUND
            }
        }
        throw Api.contended("writing pool " + pool);
    }

    @Override
    public List<String> pools() {
        List<ConfigMap> items = Api.call("listing pool ConfigMaps in " + namespace, () -> client.configMaps().inNamespace(namespace)
                .withLabel(INSTALLATION, installation).withLabel(KIND, "pool").list().getItems());
        return items.stream().filter(cm -> !isTombstone(cm))
                .map(cm -> cm.getMetadata().getLabels() == null ? null : cm.getMetadata().getLabels().get(LABEL_POOL))
                .filter(n -> n != null).sorted().toList();
    }

    @Override
    public boolean delete(String pool) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = get(pool);
            if (current == null || isTombstone(current)) {
                return false;
            }
            ConfigMap tombstone = new ConfigMapBuilder(current)
                    .withData(Map.of(DELETED, "true", VERSION, Long.toString(version(current) + 1))).build();
            try {
                Api.call("updating ConfigMap " + namespace + "/" + name(pool),
                        () -> client.configMaps().inNamespace(namespace).resource(tombstone).update());
                return true;
            } catch (KubernetesClientException e) {
                Api.backoff(attempt);
            }
        }
        throw Api.contended("deleting pool " + pool);
    }

    @Override
    public Health health() {
        return Api.health(client, namespace, installation);
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "KubernetesLeaseStore[" + client.getMasterUrl() + " " + namespace + " " + installation + "]";
    }
}
