package dev.ephemera.adapters.kubernetes.state;

import static dev.ephemera.adapters.kubernetes.state.Api.ATTEMPTS;
import static dev.ephemera.adapters.kubernetes.state.Api.INSTALLATION;
import static dev.ephemera.adapters.kubernetes.state.Api.KIND;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.Limits;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Cluster records as ConfigMaps, one per cluster, written by compare-and-set on
 * {@code resourceVersion}; credentials in one Secret per cluster, owned by its record's
 * ConfigMap; the concurrency caps kept exact by one index ConfigMap per installation.
 *
 * <p>Objects, all in one namespace and labelled {@code ephemera.dev/installation}:
 * <ul>
 *   <li>{@code <installation>-cluster-<id>} (ConfigMap, {@code ephemera.dev/kind=cluster}): {@code cluster.json} (the
 *       record without secrets) and {@code version} (the record's own version, which step leases leave alone);
 *       annotations {@code ephemera.dev/step-holder} and {@code ephemera.dev/step-until} hold the step lease;</li>
 *   <li>{@code <installation>-cluster-<id>} (Secret, {@code ephemera.dev/kind=credentials}): one key per credential;</li>
 *   <li>{@code <installation>-live-clusters} (ConfigMap, {@code ephemera.dev/kind=index}): one key per cluster counting
 *       against the limits, {@code <backend> <added-at>}.</li>
 * </ul>
 *
 * <p>Caps: a claim takes its slot in the index (a compare-and-set on the index's resourceVersion, after counting
 * the index together with every record labelled {@code ephemera.dev/live=true}) before its record is created, and
 * gives the slot back if the create fails. All claims of an installation pass through that one object, so racing
 * claims in any number of processes never overshoot a cap. A process that dies between the two steps leaves a slot
 * without a record; such slots are dropped once older than {@link #ORPHAN_GRACE}.
 */
final class KubernetesClusterRepository implements ClusterRepository {
    static final String LABEL_CLUSTER = "ephemera.dev/cluster";
    static final String LABEL_LIVE = "ephemera.dev/live";
    static final String STEP_HOLDER = "ephemera.dev/step-holder";
    static final String STEP_UNTIL = "ephemera.dev/step-until";
    static final String RECORD = "cluster.json";
    static final String VERSION = "version";
    /** A slot with no live record is dropped after this long: its claim died between taking the slot and storing the record. */
    static final Duration ORPHAN_GRACE = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final String namespace;
    private final String installation;
    private final boolean ownsClient;
    private final Clock clock;

    KubernetesClusterRepository(KubernetesClient client, String namespace, String installation, boolean ownsClient, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.installation = installation;
        this.ownsClient = ownsClient;
        this.clock = clock;
    }

    private String recordName(ClusterId id) {
        return installation + "-cluster-" + id.value();
    }

    private String indexName() {
        return installation + "-live-clusters";
    }

    private ConfigMap getRecord(ClusterId id) {
        return Api.call("reading ConfigMap " + namespace + "/" + recordName(id),
                () -> client.configMaps().inNamespace(namespace).withName(recordName(id)).get());
    }

    private Cluster decode(ConfigMap cm) {
        Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
        try {
            long version = Long.parseLong(String.valueOf(data.get(VERSION)));
            return ClusterJson.read(String.valueOf(data.get(RECORD)), version);
        } catch (RuntimeException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "ConfigMap " + namespace + "/" + cm.getMetadata().getName()
                    + " is not a cluster record written by Ephemera: " + e.getMessage() + "; fix or delete it", e);
        }
    }

    private ConfigMap recordObject(Cluster c, long version) {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(recordName(c.id())).withNamespace(namespace)
                .addToLabels(INSTALLATION, installation).addToLabels(KIND, "cluster").addToLabels(LABEL_CLUSTER, c.id().value())
                .addToLabels(LABEL_LIVE, Boolean.toString(c.phase().countsAgainstLimits()))
                .endMetadata()
                .addToData(RECORD, ClusterJson.write(c)).addToData(VERSION, Long.toString(version))
                .build();
    }

    @Override
    public Cluster insert(Cluster cluster) {
        requireNew(cluster);
        Cluster stored = create(cluster);
        if (cluster.phase().countsAgainstLimits()) {
            takeSlot(cluster, Optional.empty());
        }
        return stored;
    }

    private static void requireNew(Cluster cluster) {
        if (cluster.version() != 0) {
            throw EphemeraException.invalid("cluster " + cluster.id().value() + " has version " + cluster.version()
                    + "; only a new record (version 0) can be inserted, use update for a stored one");
        }
    }

    private Cluster create(Cluster cluster) {
        try {
            Api.call("creating ConfigMap " + namespace + "/" + recordName(cluster.id()),
                    () -> client.configMaps().inNamespace(namespace).resource(recordObject(cluster, 1)).create());
        } catch (KubernetesClientException e) {
            throw EphemeraException.conflict("cluster " + cluster.id().value() + " exists already");
        }
        return cluster.withVersion(1);
    }

    @Override
    public Cluster insertWithin(Cluster cluster, Limits limits) {
        requireNew(cluster);
        if (!cluster.phase().countsAgainstLimits()) {
            return insert(cluster);
        }
        if (getRecord(cluster.id()) != null) {
            throw EphemeraException.conflict("cluster " + cluster.id().value() + " exists already");
        }
        takeSlot(cluster, Optional.of(limits));
        try {
            return create(cluster);
        } catch (RuntimeException e) {
            freeSlotQuietly(cluster.id());
            throw e;
        }
    }

    @Override
    public Cluster update(Cluster cluster) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = getRecord(cluster.id());
            if (current == null) {
                throw EphemeraException.notFound("cluster " + cluster.id().value() + " does not exist");
            }
            Cluster stored = decode(current);
            if (stored.version() != cluster.version()) {
                throw EphemeraException.conflict("cluster " + cluster.id().value() + " was saved by someone else (stored version "
                        + stored.version() + ", yours " + cluster.version() + "); read it again and retry");
            }
            long next = cluster.version() + 1;
            ConfigMap fresh = recordObject(cluster, next);
            // Keep what is not the record's own (the step lease, anything added by others) and CAS on what we read.
            ConfigMap replacement = new ConfigMapBuilder(current)
                    .editMetadata().addToLabels(fresh.getMetadata().getLabels()).endMetadata()
                    .withData(fresh.getData()).build();
            try {
                Api.call("updating ConfigMap " + namespace + "/" + recordName(cluster.id()),
                        () -> client.configMaps().inNamespace(namespace).resource(replacement).update());
            } catch (KubernetesClientException e) {
                Api.backoff(attempt); // changed meanwhile (perhaps only its step lease): look again
                continue;
            }
            boolean wasLive = stored.phase().countsAgainstLimits();
            boolean live = cluster.phase().countsAgainstLimits();
            if (wasLive && !live) {
                freeSlot(cluster.id());
            } else if (live && !wasLive) {
                takeSlot(cluster, Optional.empty());
            }
            return cluster.withVersion(next);
        }
        throw Api.contended("updating cluster " + cluster.id().value());
    }

    @Override
    public Cluster updateWithin(Cluster cluster, Limits limits) {
        ConfigMap current = getRecord(cluster.id());
        if (current == null) {
            throw EphemeraException.notFound("cluster " + cluster.id().value() + " does not exist");
        }
        Cluster stored = decode(current);
        if (stored.phase().countsAgainstLimits() || !cluster.phase().countsAgainstLimits()) {
            return update(cluster);
        }
        if (stored.version() != cluster.version()) {
            throw EphemeraException.conflict("cluster " + cluster.id().value() + " was saved by someone else (stored version "
                    + stored.version() + ", yours " + cluster.version() + "); read it again and retry");
        }
        takeSlot(cluster, Optional.of(limits));
        try {
            return update(cluster);
        } catch (RuntimeException e) {
            freeSlotQuietly(cluster.id());
            throw e;
        }
    }

    @Override
    public Optional<Cluster> find(ClusterId id) {
        return Optional.ofNullable(getRecord(id)).map(this::decode);
    }

    @Override
    public List<Cluster> list() {
        List<ConfigMap> items = Api.call("listing cluster ConfigMaps in " + namespace, () -> client.configMaps().inNamespace(namespace)
                .withLabel(INSTALLATION, installation).withLabel(KIND, "cluster").list().getItems());
        return items.stream().map(this::decode).sorted(Comparator.comparing(c -> c.id().value())).toList();
    }

    @Override
    public long countLive(Optional<String> backend) {
        return liveSet(readIndex()).values().stream().filter(s -> backend.map(b -> b.equals(s.backend())).orElse(true)).count();
    }

    // ---- the index of live clusters -------------------------------------------------------------

    /** One slot: the backend it counts on, and when it was taken. */
    private record Slot(String backend, Instant since) {
        static Slot parse(String v) {
            int sp = v.indexOf(' ');
            try {
                return new Slot(v.substring(0, sp), Instant.parse(v.substring(sp + 1)));
            } catch (RuntimeException e) {
                throw new EphemeraException(ErrorCode.BACKEND, "an entry of the live-clusters index is not '<backend> <instant>': " + v
                        + "; delete the index ConfigMap, Ephemera rebuilds it from the records", e);
            }
        }

        String text() {
            return backend + " " + since;
        }
    }

    private ConfigMap readIndex() {
        return Api.call("reading ConfigMap " + namespace + "/" + indexName(),
                () -> client.configMaps().inNamespace(namespace).withName(indexName()).get());
    }

    private static Map<String, Slot> slots(ConfigMap index) {
        Map<String, Slot> out = new TreeMap<>();
        if (index != null && index.getData() != null) {
            index.getData().forEach((k, v) -> out.put(k, Slot.parse(v)));
        }
        return out;
    }

    /** Every cluster counting against the limits: the index's fresh or backed slots, and every record labelled live. */
    private Map<String, Slot> liveSet(ConfigMap index) {
        List<ConfigMap> live = Api.call("listing live cluster ConfigMaps in " + namespace, () -> client.configMaps().inNamespace(namespace)
                .withLabel(INSTALLATION, installation).withLabel(KIND, "cluster").withLabel(LABEL_LIVE, "true").list().getItems());
        Map<String, Slot> records = new HashMap<>();
        for (ConfigMap cm : live) {
            Cluster c = decode(cm);
            records.put(c.id().value(), new Slot(c.backend(), clock.instant()));
        }
        Instant orphanedBefore = clock.instant().minus(ORPHAN_GRACE);
        Map<String, Slot> out = new TreeMap<>();
        slots(index).forEach((id, s) -> {
            if (records.containsKey(id) || s.since().isAfter(orphanedBefore)) {
                out.put(id, s);
            }
        });
        records.forEach(out::putIfAbsent);
        return out;
    }

    /** Adds {@code cluster}'s slot to the index, within {@code limits} if given; one CAS on the index decides. */
    private void takeSlot(Cluster cluster, Optional<Limits> limits) {
        String id = cluster.id().value();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap index = readIndex();
            Map<String, Slot> live = liveSet(index);
            if (limits.isPresent()) {
                if (live.containsKey(id)) {
                    throw EphemeraException.conflict("cluster " + id + " is being stored by another claim right now");
                }
                checkLimits(live, cluster.backend(), limits.get());
            } else if (live.containsKey(id) && slots(index).containsKey(id)) {
                return;
            }
            live.put(id, new Slot(cluster.backend(), clock.instant()));
            if (writeIndex(index, live)) {
                return;
            }
            Api.backoff(attempt);
        }
        throw Api.contended("taking a slot for cluster " + id + " in the live-clusters index");
    }

    private static void checkLimits(Map<String, Slot> live, String backend, Limits limits) {
        long global = live.size();
        if (global >= limits.global()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, global + " clusters are live, the most allowed (policies.max-concurrent = "
                    + limits.global() + "); delete one, wait for one to expire, or claim through the server's API with queue: true");
        }
        long onBackend = live.values().stream().filter(s -> s.backend().equals(backend)).count();
        if (onBackend >= limits.onBackend()) {
            throw new EphemeraException(ErrorCode.LIMIT_EXCEEDED, onBackend + " clusters are live on " + backend
                    + ", the most allowed there (" + limits.onBackend() + "); delete one, wait for one to expire, or claim through the server's API with queue: true");
        }
    }

    /** Writes the index over exactly the version read (or creates it); false if someone else wrote first. */
    private boolean writeIndex(ConfigMap read, Map<String, Slot> slots) {
        Map<String, String> data = new LinkedHashMap<>();
        slots.forEach((k, v) -> data.put(k, v.text()));
        try {
            if (read == null) {
                ConfigMap fresh = new ConfigMapBuilder().withNewMetadata().withName(indexName()).withNamespace(namespace)
                        .addToLabels(INSTALLATION, installation).addToLabels(KIND, "index").endMetadata().withData(data).build();
                Api.call("creating ConfigMap " + namespace + "/" + indexName(),
                        () -> client.configMaps().inNamespace(namespace).resource(fresh).create());
            } else {
                ConfigMap next = new ConfigMapBuilder(read).withData(data).build();
                Api.call("updating ConfigMap " + namespace + "/" + indexName(),
                        () -> client.configMaps().inNamespace(namespace).resource(next).update());
            }
            return true;
        } catch (KubernetesClientException e) {
            return false;
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return false; // the index was deleted since our read: the next round creates it again
            }
            throw e;
        }
    }

    private void freeSlot(ClusterId id) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap index = readIndex();
            Map<String, Slot> slots = slots(index);
            if (slots.remove(id.value()) == null) {
                return;
            }
            if (writeIndex(index, slots)) {
                return;
            }
            Api.backoff(attempt);
        }
        throw Api.contended("freeing the slot of cluster " + id.value() + " in the live-clusters index");
    }

    private void freeSlotQuietly(ClusterId id) {
        try {
            freeSlot(id);
        } catch (RuntimeException e) {
            // The slot is dropped as an orphan after ORPHAN_GRACE; the caller's own failure is the one to report.
        }
    }

    // ---- step leases ----------------------------------------------------------------------------

    @Override
    public boolean acquireStepLease(ClusterId id, String holder, Instant now, Duration lease) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = getRecord(id);
            if (current == null) {
                return false;
            }
            Map<String, String> ann = current.getMetadata().getAnnotations() == null ? Map.of() : current.getMetadata().getAnnotations();
            String by = ann.get(STEP_HOLDER);
            if (by != null && !by.equals(holder) && now.isBefore(parseUntil(ann.get(STEP_UNTIL)))) {
                return false;
            }
            ConfigMap next = new ConfigMapBuilder(current).editMetadata()
                    .addToAnnotations(STEP_HOLDER, holder).addToAnnotations(STEP_UNTIL, now.plus(lease).toString()).endMetadata().build();
            try {
                Api.call("updating the step lease on ConfigMap " + namespace + "/" + recordName(id),
                        () -> client.configMaps().inNamespace(namespace).resource(next).update());
                return true;
            } catch (KubernetesClientException e) {
                Api.backoff(attempt);
            } catch (EphemeraException e) {
                if (e.code() == ErrorCode.NOT_FOUND) {
                    return false; // the record was deleted between our read and our write
                }
                throw e;
            }
        }
        throw Api.contended("taking the step lease of cluster " + id.value());
    }

    private static Instant parseUntil(String s) {
        try {
            return s == null ? Instant.MIN : Instant.parse(s);
        } catch (RuntimeException e) {
            return Instant.MIN; // unreadable: treat as run out, so a cluster is never stuck
        }
    }

    @Override
    public void releaseStepLease(ClusterId id, String holder) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap current = getRecord(id);
            if (current == null || current.getMetadata().getAnnotations() == null
                    || !holder.equals(current.getMetadata().getAnnotations().get(STEP_HOLDER))) {
                return;
            }
            ConfigMap next = new ConfigMapBuilder(current).editMetadata()
                    .removeFromAnnotations(STEP_HOLDER).removeFromAnnotations(STEP_UNTIL).endMetadata().build();
            try {
                Api.call("releasing the step lease on ConfigMap " + namespace + "/" + recordName(id),
                        () -> client.configMaps().inNamespace(namespace).resource(next).update());
                return;
            } catch (KubernetesClientException e) {
                Api.backoff(attempt);
            } catch (EphemeraException e) {
                if (e.code() == ErrorCode.NOT_FOUND) {
                    return; // the record was deleted meanwhile: nothing is held
                }
                throw e;
            }
        }
        throw Api.contended("releasing the step lease of cluster " + id.value());
    }

    // ---- deleting and credentials ---------------------------------------------------------------

    @Override
    public boolean delete(ClusterId id) {
        boolean existed = getRecord(id) != null;
        if (existed) {
            List<?> gone = Api.call("deleting ConfigMap " + namespace + "/" + recordName(id),
                    () -> client.configMaps().inNamespace(namespace).withName(recordName(id)).delete());
            existed = !gone.isEmpty();
        }
        deleteCredentials(id);
        freeSlot(id);
        return existed;
    }

    /**
     * A credential name as a Secret key ({@code [-._a-zA-Z0-9]+}): every other character, and {@code _} itself,
     * becomes {@code _XX} (its UTF-8 bytes in hex), so {@code pki/ca.key} is stored as {@code pki_2Fca.key}.
     */
    static String secretKey(String name) {
        StringBuilder b = new StringBuilder();
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
                b.append(c);
            } else {
                b.append('_').append(String.format("%02X", x & 0xFF));
            }
        }
        String key = b.toString();
        if (key.isEmpty() || key.length() > 253 || key.equals(".") || key.equals("..")) {
            throw EphemeraException.invalid("credential name '" + name + "' cannot be a Secret key (empty, '.', '..' or over 253 characters once escaped)");
        }
        return key;
    }

    @Override
    public void putCredential(ClusterId id, String name, Secret value) {
        String key = secretKey(name);
        String encoded = Base64.getEncoder().encodeToString(value.revealBytes());
        String secretName = recordName(id);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ConfigMap record = getRecord(id);
            if (record == null) {
                throw EphemeraException.notFound("cluster " + id.value() + " does not exist; no credential is kept for it");
            }
            io.fabric8.kubernetes.api.model.Secret current = Api.call("reading Secret " + namespace + "/" + secretName,
                    () -> client.secrets().inNamespace(namespace).withName(secretName).get());
            try {
                if (current == null) {
                    io.fabric8.kubernetes.api.model.Secret fresh = new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
                            .addToLabels(INSTALLATION, installation).addToLabels(KIND, "credentials").addToLabels(LABEL_CLUSTER, id.value())
                            // Owned by the record: Kubernetes' garbage collector removes it with the record's ConfigMap.
                            .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
                                    .withName(record.getMetadata().getName()).withUid(record.getMetadata().getUid()).build())
                            .endMetadata().withType("Opaque").addToData(key, encoded).build();
                    Api.call("creating Secret " + namespace + "/" + secretName, () -> client.secrets().inNamespace(namespace).resource(fresh).create());
                } else {
                    io.fabric8.kubernetes.api.model.Secret next = new SecretBuilder(current).addToData(key, encoded).build();
                    Api.call("updating Secret " + namespace + "/" + secretName, () -> client.secrets().inNamespace(namespace).resource(next).update());
                }
                return;
            } catch (KubernetesClientException e) {
                Api.backoff(attempt);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                Api.backoff(attempt); // the Secret was deleted between our read and our write: look again
            }
        }
        throw Api.contended("storing credential " + name + " of cluster " + id.value());
    }

    @Override
    public Optional<Secret> credential(ClusterId id, String name) {
        String key = secretKey(name);
        io.fabric8.kubernetes.api.model.Secret s = Api.call("reading Secret " + namespace + "/" + recordName(id),
                () -> client.secrets().inNamespace(namespace).withName(recordName(id)).get());
        if (s == null || s.getData() == null || !s.getData().containsKey(key)) {
            return Optional.empty();
        }
        return Optional.of(Secret.ofBytes(Base64.getDecoder().decode(s.getData().get(key))));
    }

    @Override
    public void deleteCredentials(ClusterId id) {
        Api.call("deleting Secret " + namespace + "/" + recordName(id),
                () -> client.secrets().inNamespace(namespace).withName(recordName(id)).delete());
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
        return "KubernetesClusterRepository[" + client.getMasterUrl() + " " + namespace + " " + installation + "]";
    }
}
