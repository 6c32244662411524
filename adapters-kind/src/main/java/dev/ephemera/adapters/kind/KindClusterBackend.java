package dev.ephemera.adapters.kind;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ImageLoading;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Health;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters made by the user's kind CLI, with our PKI: kubeadm in the node finds our CA files
 * (bind-mounted by the generated kind config, see {@link KindClusterConfig}) and uses them, so
 * everything after create is as on the other backends: readiness with our admin certificate, the
 * CI service account and its token, the kubeconfig, the sinks.
 *
 * <p>kind labels its node containers {@code io.x-k8s.kind.cluster=<name>} and has no way to add
 * container labels of ours, so the name carries them: {@code ephemera-<installation>-<cluster>}.
 * Every node is found by that label alone; {@code kind delete cluster} deletes, and deleting a
 * cluster kind does not know succeeds. {@code ephemera.dev/cluster} and
 * {@code ephemera.dev/installation} go on the Kubernetes node as node labels.
 */
public final class KindClusterBackend implements ClusterBackend, ImageLoading {
    public static final String NAME = "kind";
    static final String KIND_CLUSTER = "io.x-k8s.kind.cluster";
    static final String KIND_ROLE = "io.x-k8s.kind.role";
    /** A node's host name is {@code <name>-control-plane}, and a host name has at most 63 characters. */
    static final int MAX_NAME = 63 - "-control-plane".length();
    private static final Logger LOG = LoggerFactory.getLogger(KindClusterBackend.class);

    private final KindSettings settings;
    private final KindCli kind;
    private final DockerEngine engine;

    KindClusterBackend(KindSettings settings, KindCli kind, DockerEngine engine) {
        this.settings = settings;
        this.kind = kind;
        this.engine = engine;
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits(Optional.empty(), true);
    }

    String prefix() {
        return "ephemera-" + settings.installation() + "-";
    }

    /** The kind cluster name of a cluster: {@code ephemera-<installation>-<id>}. */
    String kindName(ClusterId id) {
        String name = prefix() + id.value();
        if (name.length() > MAX_NAME) {
            throw EphemeraException.invalid("cluster " + id + ": its kind cluster name " + name + " is longer than " + MAX_NAME
                    + " characters (the node's host name, <name>-control-plane, must fit in 63): choose a shorter cluster id");
        }
        return name;
    }

    private Path dir(String name) {
        return settings.stateDir().resolve(name);
    }

    @Override
    public BackendRef ensure(ProvisionRequest request) {
        ClusterId id = request.id();
        String name = kindName(id);
        if (!nodes(name).isEmpty()) {
            LOG.debug("kind cluster exists: cluster={} kind={}", id, name);
            return new BackendRef(NAME, name);
        }
        PkiBundle pki = request.pki().orElseThrow(() -> EphemeraException.invalid("cluster " + id + ": the kind backend needs the "
                + "cluster's PKI bundle, so kubeadm uses our CAs"));
        Path dir = dir(name);
        Map<String, Path> mounts = KindClusterConfig.writePki(dir, pki);
        Map<String, String> nodeLabels = new LinkedHashMap<>();
        nodeLabels.put(DockerClusterBackend.CLUSTER, id.value());
        nodeLabels.put(DockerClusterBackend.INSTALLATION, settings.installation());
        Path config = dir.resolve("kind-config.yaml");
        try {
            Files.writeString(config, KindClusterConfig.render(name, settings.nodeImage(), nodeLabels, mounts), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + config, e);
        }
        List<String> args = List.of("create", "cluster", "--name", name, "--config", config.toString(), "--wait",
                settings.createWait().toSeconds() + "s", "--kubeconfig", dir.resolve("kind-kubeconfig").toString());
        LOG.info("kind create cluster: cluster={} kind={} image={}", id, name, settings.nodeImage());
        KindCli.Result r = kind.run(args, settings.createWait().plus(Duration.ofMinutes(3)));
        if (r.exit() != 0) {
            if (!nodes(name).isEmpty() && r.tail().contains("already exist")) {
                return new BackendRef(NAME, name); // another ensure made it first
            }
            throw EphemeraException.backend("kind create cluster --name " + name + " failed (exit " + r.exit() + "): " + r.tail(), null);
        }
        LOG.info("kind cluster created: cluster={} kind={}", id, name);
        return new BackendRef(NAME, name);
    }

    @Override
    public Observation observe(ClusterId id) {
        String name = kindName(id);
        List<Container> nodes = nodes(name);
        if (nodes.isEmpty()) {
            return Observation.absent();
        }
        Optional<Container> cp = nodes.stream().filter(c -> "control-plane".equals(c.getLabels().get(KIND_ROLE)))
                .min(Comparator.comparingLong(Container::getCreated));
        if (cp.isEmpty()) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "kind cluster " + name + " has no control-plane node yet");
        }
        InspectContainerResponse inspect;
        try {
            inspect = engine.call("inspecting node " + name, () -> engine.client().inspectContainerCmd(cp.get().getId()).exec());
        } catch (EphemeraException e) {
            if (e.getCause() instanceof NotFoundException) {
                return Observation.absent();
            }
            throw e;
        }
        InspectContainerResponse.ContainerState state = inspect.getState();
        String status = state.getStatus() == null ? "unknown" : state.getStatus();
        String node = inspect.getName() == null ? name + "-control-plane" : inspect.getName().replaceFirst("^/", "");
        return switch (status) {
            case "running" -> running(node, inspect);
            case "created", "restarting", "paused" -> new Observation(Observation.State.CREATING, Optional.empty(), "node " + node + " is " + status);
            case "removing" -> new Observation(Observation.State.DELETING, Optional.empty(), "node " + node + " is being removed");
            default -> new Observation(Observation.State.FAILED, Optional.empty(), "kind node " + node + " " + status
                    + (state.getExitCodeLong() == null ? "" : " with exit code " + state.getExitCodeLong()) + "; its last log lines:\n"
                    + engine.lastLogLines(cp.get().getId(), settings.docker().logLines(), "(the node logged nothing)"));
        };
    }

    private Observation running(String node, InspectContainerResponse inspect) {
        Ports.Binding[] bindings = inspect.getNetworkSettings() == null || inspect.getNetworkSettings().getPorts() == null ? null
                : inspect.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(DockerClusterBackend.API_PORT));
        if (bindings == null || bindings.length == 0 || bindings[0].getHostPortSpec() == null) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "node " + node + " runs; its API port is not published yet");
        }
        String host = bindings[0].getHostIp() == null || bindings[0].getHostIp().isBlank() || bindings[0].getHostIp().equals("0.0.0.0")
                ? "127.0.0.1" : bindings[0].getHostIp();
        int port = Integer.parseInt(bindings[0].getHostPortSpec());
        if (!DockerClusterBackend.listening(host, port)) {
            return new Observation(Observation.State.CREATING, Optional.empty(), "node " + node + " runs; nothing listens on " + host + ":" + port + " yet");
        }
        String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
        Endpoint endpoint = new Endpoint(URI.create("https://" + hostInUrl + ":" + port), Optional.empty(), Optional.of(host));
        return new Observation(Observation.State.RUNNING, Optional.of(endpoint), "kind node " + node + " runs, API published at " + endpoint.apiUrl());
    }

    @Override
    public ImageLoadReport loadImages(ClusterId id, List<String> images) {
        Map<String, String> nodes = new LinkedHashMap<>();
        for (Container c : nodes(kindName(id))) {
            if ("running".equals(c.getState())) {
                nodes.put(c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", ""), c.getId());
            }
        }
        if (nodes.isEmpty()) {
            throw EphemeraException.notFound("cluster " + id + " has no running kind node on the Docker engine at " + engine.host()
                    + " (ephemera cluster get " + id + " shows its phase)");
        }
        return new NodeImages(engine, settings.docker()).load(nodes, images);
    }

    @Override
    public void destroy(ClusterId id) {
        String name = kindName(id);
        KindCli.Result r = kind.run(List.of("delete", "cluster", "--name", name, "--kubeconfig", dir(name).resolve("kind-kubeconfig").toString()),
                Duration.ofMinutes(5));
        if (r.exit() != 0) {
            throw EphemeraException.backend("kind delete cluster --name " + name + " failed (exit " + r.exit() + "): " + r.tail(), null);
        }
        if (!nodes(name).isEmpty()) {
            throw EphemeraException.unavailable("kind delete cluster --name " + name + " succeeded, yet nodes labelled " + KIND_CLUSTER + "="
                    + name + " remain; the next delete tries again", null);
        }
        deleteTree(dir(name));
        LOG.info("kind cluster deleted: cluster={} kind={}", id, name);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing the cluster's CA files under " + dir, e);
        }
    }

    /** Every kind node whose cluster name is this installation's: found by kind's own label alone. */
    @Override
    public List<OwnedResource> owned() {
        List<OwnedResource> out = new ArrayList<>();
        List<Container> all = engine.call("listing kind nodes", () -> engine.client().listContainersCmd().withShowAll(true)
                .withFilter("label", List.of(KIND_CLUSTER)).exec());
        for (Container c : all) {
            String cluster = c.getLabels() == null ? null : c.getLabels().get(KIND_CLUSTER);
            if (cluster == null || !cluster.startsWith(prefix())) {
                continue;
            }
            String node = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", "");
            out.add(new OwnedResource("kind-node", c.getId(), Optional.of(cluster.substring(prefix().length())),
                    "kind node " + node + " of kind cluster " + cluster + " (" + c.getState() + ")"));
        }
        return List.copyOf(out);
    }

    private List<Container> nodes(String name) {
        return engine.call("listing the nodes of kind cluster " + name, () -> engine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(KIND_CLUSTER, name)).exec());
    }

    @Override
    public Health health() {
        try {
            var v = engine.version();
            return Health.up("kind CLI " + kind.binary() + ", Docker engine " + v.getVersion() + " at " + engine.host());
        } catch (RuntimeException e) {
            return Health.down(e.getMessage());
        }
    }

    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "KindClusterBackend[kind=" + kind.binary() + ", image=" + settings.nodeImage() + ", installation=" + settings.installation() + "]";
    }
}
