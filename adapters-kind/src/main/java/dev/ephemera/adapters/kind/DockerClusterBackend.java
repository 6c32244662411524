package dev.ephemera.adapters.kind;

import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Hibernation;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Health;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters as one K3s server in a Docker container, the way k3d and Testcontainers' K3sContainer
 * run it, but with our PKI: the container is created, our CA tree and join token are copied into
 * its data directory, and only then is it started, so K3s finds the complete set at first start
 * and makes no CAs of its own. Each cluster has its own network and named volumes; the API port is
 * published on {@code docker.api-host} at a free port. Everything carries
 * {@code ephemera.dev/cluster} and {@code ephemera.dev/installation} and is found by those labels
 * alone, so every call is idempotent and nothing leaks unseen.
 */
public final class DockerClusterBackend implements ClusterBackend, ImageLoading, Hibernation {
    public static final String NAME = "docker";
    /** How long {@code docker stop} lets K3s shut down before it is killed. */
    private static final int STOP_SECONDS = 20;
    static final String CLUSTER = "ephemera.dev/cluster";
    static final String INSTALLATION = "ephemera.dev/installation";
    static final String MANAGED_BY = "ephemera.dev/managed-by";
    static final int API_PORT = 6443;
    /** The K3s image declares these as volumes; named, labelled ones keep Docker from making anonymous ones. */
    static final Map<String, String> VOLUMES = Map.of("k3s", K3sDataArchive.DATA_DIR, "kubelet", "/var/lib/kubelet", "cni", "/var/lib/cni",
            "log", "/var/log");
    private static final Logger LOG = LoggerFactory.getLogger(DockerClusterBackend.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DockerSettings settings;
    private final DockerEngine engine;

    DockerClusterBackend(DockerSettings settings, DockerEngine engine) {
        this.settings = settings;
        this.engine = engine;
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits(Optional.empty(), true);
    }

    /** The container, network and volume name prefix of a cluster: {@code ephemera-<installation>-<cluster>}. */
    String baseName(ClusterId id) {
        return "ephemera-" + settings.installation() + "-" + id.value();
    }

    @Override
    public BackendRef ensure(ProvisionRequest request) {
        ClusterId id = request.id();
        Optional<Container> existing = container(id);
        if (existing.isPresent() && !"created".equals(existing.get().getState())) {
            LOG.debug("docker container already exists: cluster={} container={} state={}", id, existing.get().getId(), existing.get().getState());
            return new BackendRef(NAME, existing.get().getId());
        }
        PkiBundle pki = request.pki().orElseThrow(() -> EphemeraException.invalid("cluster " + id + ": the docker backend needs the "
                + "cluster's PKI bundle, so K3s uses our CAs from its first start"));
        Map<String, String> labels = labelsFor(request);
        String containerId;
        if (existing.isPresent()) {
            // Created but never started: a create that was cut short. Copying again is harmless; then start it.
            containerId = existing.get().getId();
        } else {
            ensureImage();
            String network = ensureNetwork(id, labels);
            List<Mount> mounts = new ArrayList<>();
            for (Map.Entry<String, String> v : new java.util.TreeMap<>(VOLUMES).entrySet()) {
                mounts.add(new Mount().withType(MountType.VOLUME).withSource(ensureVolume(baseName(id) + "-" + v.getKey(), labels))
                        .withTarget(v.getValue()));
            }
            containerId = createContainer(id, labels, network, mounts, request.dnsName());
        }
        byte[] archive = K3sDataArchive.tar(pki, K3sDataArchive.token(pki, Secret.of(HexFormat.of().formatHex(randomBytes(24)))));
        engine.run("copying the cluster's PKI into container " + baseName(id), () -> engine.client().copyArchiveToContainerCmd(containerId)
                .withTarInputStream(new ByteArrayInputStream(archive)).withRemotePath(K3sDataArchive.DATA_DIR).exec());
        engine.run("starting container " + baseName(id), () -> engine.client().startContainerCmd(containerId).exec());
        LOG.info("docker container started: cluster={} container={} image={}", id, containerId, settings.image());
        return new BackendRef(NAME, containerId);
    }

    private String createContainer(ClusterId id, Map<String, String> labels, String network, List<Mount> mounts, Optional<String> dnsName) {
        List<String> cmd = new ArrayList<>(List.of("server"));
        List<String> sans = new ArrayList<>(sans());
        dnsName.filter(n -> !sans.contains(n)).ifPresent(sans::add); // the cluster's DNS name, when DNS is configured (docs/dns.md)
        for (String san : sans) {
            cmd.add("--tls-san=" + san);
        }
        cmd.add("--token-file=" + K3sDataArchive.DATA_DIR + "/" + K3sDataArchive.TOKEN_PATH);
        cmd.addAll(settings.serverArgs());
        Map<String, String> tmpfs = Map.of("/run", "", "/var/run", "");
        HostConfig host = HostConfig.newHostConfig().withPrivileged(settings.privileged()).withTmpFs(tmpfs).withNetworkMode(network)
                .withPortBindings(new PortBinding(Ports.Binding.bindIp(settings.apiHost()), ExposedPort.tcp(API_PORT))).withMounts(mounts);
        if (settings.privileged()) {
            host.withCgroupnsMode("host"); // K3s manages the host's cgroups v2 tree, as k3d and Testcontainers run it
        }
        String name = baseName(id);
        try {
            CreateContainerResponse created = engine.call("creating container " + name, () -> engine.client().createContainerCmd(settings.image())
                    .withName(name).withHostName(name).withLabels(labels).withCmd(cmd).withExposedPorts(ExposedPort.tcp(API_PORT))
                    .withHostConfig(host).exec());
            LOG.info("docker container created: cluster={} container={} name={}", id, created.getId(), name);
            return created.getId();
        } catch (EphemeraException e) {
            if (!(e.getCause() instanceof ConflictException)) {
                throw e;
            }
            // The name is taken: ours from a create whose answer was lost, or someone else's.
            InspectContainerResponse other = engine.call("looking up container " + name, () -> engine.client().inspectContainerCmd(name).exec());
            Map<String, String> l = other.getConfig().getLabels() == null ? Map.of() : other.getConfig().getLabels();
            if (id.value().equals(l.get(CLUSTER)) && settings.installation().equals(l.get(INSTALLATION))) {
                return other.getId();
            }
            throw new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + ": a container named " + name + " exists and is not this "
                    + "installation's cluster: remove it (docker rm -f " + name + ") or choose another cluster id");
        }
    }

    /** The names the API server's certificate must carry; K3s adds 127.0.0.1, localhost and its service names itself. */
    List<String> sans() {
        List<String> sans = new ArrayList<>(List.of(settings.endpointHost()));
        if (!sans.contains("127.0.0.1")) {
            sans.add("127.0.0.1");
        }
        if (!sans.contains("localhost")) {
            sans.add("localhost");
        }
        return sans;
    }

    private void ensureImage() {
        String image = settings.image();
        try {
            engine.client().inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException e) {
            // pulled below
        } catch (RuntimeException e) {
            engine.call("looking up image " + image, () -> {
                throw e;
            });
        }
        LOG.info("pulling image {} (docker.image), it is not on the engine", image);
        String[] progress = {""};
        try {
            boolean done = engine.client().pullImageCmd(image).exec(new PullImageResultCallback() {
                @Override
                public void onNext(PullResponseItem item) {
                    String line = (item.getId() == null ? "" : item.getId() + ": ") + (item.getStatus() == null ? "" : item.getStatus())
                            + (item.getProgress() == null ? "" : " " + item.getProgress());
                    if (item.getStatus() != null && !line.equals(progress[0]) && item.getProgressDetail() == null) {
                        LOG.info("pull {}: {}", image, line);
                    }
                    progress[0] = line;
                    super.onNext(item);
                }
            }).awaitCompletion(settings.pullTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                throw EphemeraException.timeout("pulling image " + image + " took longer than docker.pull-timeout (" + settings.pullTimeout()
                        + "); pull it yourself (docker pull " + image + ") or, offline, docker load it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while pulling image " + image);
        } catch (EphemeraException e) {
            throw e;
        } catch (RuntimeException e) {
            throw EphemeraException.backend("image " + image + " is not on the Docker engine at " + engine.host() + " and could not be pulled ("
                    + e.getMessage().strip() + "). On a machine without access to the registry, load it from an archive made elsewhere: "
                    + "`docker save " + image + " -o k3s.tar` where it can be pulled, then `docker load -i k3s.tar` here; or set docker.image "
                    + "to an image the engine has", e);
        }
    }

    private String ensureNetwork(ClusterId id, Map<String, String> labels) {
        List<Network> found = engine.call("listing networks", () -> engine.client().listNetworksCmd()
                .withFilter("label", clusterFilter(id)).exec());
        if (!found.isEmpty()) {
            return found.get(0).getName();
        }
        String name = baseName(id);
        try {
            engine.call("creating network " + name, () -> engine.client().createNetworkCmd().withName(name).withDriver("bridge")
                    .withLabels(labels).withCheckDuplicate(true).exec());
        } catch (EphemeraException e) {
            if (!(e.getCause() instanceof ConflictException)) {
                throw e;
            }
            throw new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + ": a network named " + name + " exists without this "
                    + "cluster's labels: remove it (docker network rm " + name + ") or choose another cluster id");
        }
        return name;
    }

    private String ensureVolume(String name, Map<String, String> labels) {
        List<InspectVolumeResponse> found = engine.call("listing volumes", () -> {
            List<InspectVolumeResponse> v = engine.client().listVolumesCmd().withFilter("name", List.of(name)).exec().getVolumes();
            return v == null ? List.<InspectVolumeResponse>of() : v;
        });
        for (InspectVolumeResponse v : found) {
            if (v.getName().equals(name)) {
                Map<String, String> l = v.getLabels() == null ? Map.of() : v.getLabels();
                if (!labels.get(CLUSTER).equals(l.get(CLUSTER)) || !settings.installation().equals(l.get(INSTALLATION))) {
                    throw new EphemeraException(ErrorCode.CONFLICT, "a volume named " + name + " exists without this cluster's labels: "
                            + "remove it (docker volume rm " + name + ") or choose another cluster id");
                }
                return name;
            }
        }
        engine.run("creating volume " + name, () -> engine.client().createVolumeCmd().withName(name).withLabels(labels).exec());
        return name;
    }

    @Override
    public Observation observe(ClusterId id) {
        Optional<Container> c = container(id);
        if (c.isEmpty()) {
            return Observation.absent();
        }
        InspectContainerResponse inspect;
        try {
            inspect = engine.call("inspecting container " + baseName(id), () -> engine.client().inspectContainerCmd(c.get().getId()).exec());
        } catch (EphemeraException e) {
            if (e.getCause() instanceof NotFoundException) {
                return Observation.absent();
            }
            throw e;
        }
        InspectContainerResponse.ContainerState state = inspect.getState();
        String status = state.getStatus() == null ? "unknown" : state.getStatus();
        String name = inspect.getName() == null ? baseName(id) : inspect.getName().replaceFirst("^/", "");
        return switch (status) {
            case "running" -> running(id, name, inspect);
            case "created", "restarting" -> new Observation(Observation.State.CREATING, Optional.empty(), "container " + name + " is " + status);
            case "paused" -> new Observation(Observation.State.CREATING, Optional.empty(), "container " + name + " is paused: docker unpause " + name);
            case "removing" -> new Observation(Observation.State.DELETING, Optional.empty(), "container " + name + " is being removed");
            default -> new Observation(Observation.State.FAILED, Optional.empty(), "container " + name + " " + status
                    + (state.getExitCodeLong() == null ? "" : " with exit code " + state.getExitCodeLong())
                    + (state.getError() == null || state.getError().isBlank() ? "" : " (" + state.getError() + ")")
                    + "; its last log lines:\n" + engine.lastLogLines(c.get().getId(), settings.logLines(), "(the container logged nothing)"));
        };
    }

    /**
     * A running container is reported {@code RUNNING} once something answers on its API port: with
     * Docker's userland proxy a connection to the published port is accepted even when nothing
     * listens inside and then closed at once, so a closed connection means "not yet", and one that
     * stays open waiting for a TLS ClientHello means K3s listens. Until then it is still creating,
     * so a K3s that refuses to start shows as FAILED with its log, not as a readiness wait.
     */
    private Observation running(ClusterId id, String name, InspectContainerResponse inspect) {
        Ports.Binding[] bindings = inspect.getNetworkSettings() == null || inspect.getNetworkSettings().getPorts() == null ? null
                : inspect.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(API_PORT));
        if (bindings == null || bindings.length == 0 || bindings[0].getHostPortSpec() == null) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "container " + name + " runs; port " + API_PORT + " not published yet");
        }
        int port = Integer.parseInt(bindings[0].getHostPortSpec());
        String host = settings.endpointHost();
        if (!listening(host, port)) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "container " + name + " runs; K3s does not listen on "
                    + host + ":" + port + " yet");
        }
        String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        Endpoint endpoint = new Endpoint(URI.create("https://" + hostInUrl + ":" + port), ip ? Optional.empty() : Optional.of(host),
                ip ? Optional.of(host) : Optional.empty());
        return new Observation(Observation.State.RUNNING, Optional.of(endpoint), "container " + name + " runs, API published at "
                + endpoint.apiUrl());
    }

    static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2_000);
            s.setSoTimeout(300);
            return s.getInputStream().read() >= 0; // a TLS server sends nothing first; any byte means something listens
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Copies images from the engine into the cluster's node (its K3s container), skipping those it has. */
    @Override
    public ImageLoadReport loadImages(ClusterId id, List<String> images) {
        Map<String, String> nodes = new LinkedHashMap<>();
        for (Container c : containers(clusterFilterMap(id))) {
            if ("running".equals(c.getState())) {
                nodes.put(c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", ""), c.getId());
            }
        }
        if (nodes.isEmpty()) {
            throw EphemeraException.notFound("cluster " + id + " has no running node on the Docker engine at " + engine.host()
                    + " (ephemera cluster get " + id + " shows its phase)");
        }
        return new NodeImages(engine, settings).load(nodes, images);
    }

    @Override
    public Optional<String> hibernationRefusal() {
        return Optional.empty();
    }

    /** Stops the cluster's container (its volumes keep K3s' state); a stopped or missing one is left as it is. */
    @Override
    public void hibernate(ClusterId id) {
        Optional<Container> c = container(id);
        if (c.isEmpty() || !"running".equals(c.get().getState())) {
            return;
        }
        LOG.info("stopping docker container to hibernate: cluster={} container={}", id, c.get().getId());
        try {
            engine.run("stopping container " + baseName(id), () -> engine.client().stopContainerCmd(c.get().getId()).withTimeout(STOP_SECONDS).exec());
        } catch (EphemeraException e) {
            if (!(e.getCause() instanceof NotModifiedException) && !(e.getCause() instanceof NotFoundException)) {
                throw e;
            }
        }
    }

    /** Starts the cluster's stopped container again; Docker may publish the API on another host port, which observe reports. */
    @Override
    public void resume(ClusterId id) {
        Container c = container(id).orElseThrow(() -> EphemeraException.notFound("cluster " + id + " has no container on the Docker engine at "
                + engine.host() + " to resume"));
        if ("running".equals(c.getState())) {
            return;
        }
        LOG.info("starting docker container to resume: cluster={} container={}", id, c.getId());
        try {
            engine.run("starting container " + baseName(id), () -> engine.client().startContainerCmd(c.getId()).exec());
        } catch (EphemeraException e) {
            if (!(e.getCause() instanceof NotModifiedException)) {
                throw e;
            }
        }
    }

    @Override
    public void destroy(ClusterId id) {
        for (Container c : containers(clusterFilterMap(id))) {
            LOG.info("removing docker container: cluster={} container={}", id, c.getId());
            ignoreMissing(() -> engine.run("removing container " + c.getId(), () -> engine.client().removeContainerCmd(c.getId())
                    .withForce(true).withRemoveVolumes(true).exec()));
        }
        for (Network n : engine.call("listing networks", () -> engine.client().listNetworksCmd().withFilter("label", clusterFilter(id)).exec())) {
            LOG.info("removing docker network: cluster={} network={}", id, n.getName());
            ignoreMissing(() -> engine.run("removing network " + n.getName(), () -> engine.client().removeNetworkCmd(n.getId()).exec()));
        }
        for (InspectVolumeResponse v : volumes(clusterFilter(id))) {
            LOG.info("removing docker volume: cluster={} volume={}", id, v.getName());
            ignoreMissing(() -> engine.run("removing volume " + v.getName(), () -> engine.client().removeVolumeCmd(v.getName()).exec()));
        }
    }

    private static void ignoreMissing(Runnable r) {
        try {
            r.run();
        } catch (EphemeraException e) {
            if (!(e.getCause() instanceof NotFoundException)) {
                throw e;
            }
        }
    }

    @Override
    public List<OwnedResource> owned() {
        List<String> filter = List.of(INSTALLATION + "=" + settings.installation());
        List<OwnedResource> out = new ArrayList<>();
        for (Container c : containers(Map.of(INSTALLATION, settings.installation()))) {
            String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", "");
            out.add(new OwnedResource("docker-container", c.getId(), Optional.ofNullable(c.getLabels().get(CLUSTER)),
                    "container " + name + " (" + c.getState() + ", " + c.getImage() + ")"));
        }
        for (Network n : engine.call("listing networks", () -> engine.client().listNetworksCmd().withFilter("label", filter).exec())) {
            out.add(new OwnedResource("docker-network", n.getId(), Optional.ofNullable(n.getLabels() == null ? null : n.getLabels().get(CLUSTER)),
                    "network " + n.getName()));
        }
        for (InspectVolumeResponse v : volumes(filter)) {
            out.add(new OwnedResource("docker-volume", v.getName(), Optional.ofNullable(v.getLabels() == null ? null : v.getLabels().get(CLUSTER)),
                    "volume " + v.getName()));
        }
        return List.copyOf(out);
    }

    @Override
    public Health health() {
        try {
            var v = engine.version();
            return Health.up("Docker engine " + v.getVersion() + " (API " + v.getApiVersion() + ") at " + engine.host());
        } catch (RuntimeException e) {
            return Health.down(e.getMessage());
        }
    }

    /** The cluster's server container, if any (the oldest, should two carry its labels). */
    Optional<Container> container(ClusterId id) {
        return containers(clusterFilterMap(id)).stream().min(Comparator.comparingLong(Container::getCreated));
    }

    private List<Container> containers(Map<String, String> labels) {
        return engine.call("listing containers", () -> engine.client().listContainersCmd().withShowAll(true).withLabelFilter(labels).exec());
    }

    private List<InspectVolumeResponse> volumes(List<String> labelFilter) {
        return engine.call("listing volumes", () -> {
            List<InspectVolumeResponse> v = engine.client().listVolumesCmd().withFilter("label", labelFilter).exec().getVolumes();
            return v == null ? List.<InspectVolumeResponse>of() : v;
        });
    }

    private Map<String, String> clusterFilterMap(ClusterId id) {
        return Map.of(CLUSTER, id.value(), INSTALLATION, settings.installation());
    }

    private List<String> clusterFilter(ClusterId id) {
        return List.of(CLUSTER + "=" + id.value(), INSTALLATION + "=" + settings.installation());
    }

    /** The request's labels, then ours, which win. */
    Map<String, String> labelsFor(ProvisionRequest request) {
        Map<String, String> labels = new LinkedHashMap<>(request.spec().labels());
        labels.putAll(request.labels());
        labels.put(CLUSTER, request.id().value());
        labels.put(INSTALLATION, settings.installation());
        labels.put(MANAGED_BY, "ephemera");
        return Map.copyOf(labels);
    }

    DockerEngine engine() {
        return engine;
    }

    DockerSettings settings() {
        return settings;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "DockerClusterBackend[host=" + settings.host() + ", image=" + settings.image() + ", installation=" + settings.installation() + "]";
    }
}
