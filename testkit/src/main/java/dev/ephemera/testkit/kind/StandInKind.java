package dev.ephemera.testkit.kind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephemera.testkit.docker.Docker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * A stand-in for the {@code kind} CLI (v0.26's behaviour, single control-plane node, docker
 * provider), making node containers on the real Docker engine from the stand-in image, as kind
 * makes them from {@code kindest/node}: named {@code <name>-control-plane}, labelled
 * {@code io.x-k8s.kind.cluster=<name>} and {@code io.x-k8s.kind.role=control-plane}, on the network
 * {@code kind} (or {@code $KIND_EXPERIMENTAL_DOCKER_NETWORK}), {@code extraMounts} bound as
 * {@code --volume host:container[:ro]}, the API port 6443 published on the config's
 * {@code networking.apiServerAddress} (default 127.0.0.1). Where kind runs {@code kubeadm init}
 * with its generated kubeadm config, the stand-in applies the config's {@code kubeadmConfigPatches}
 * as kind does for the kubeadm {@code v1beta3} it generates (a patch applies to ClusterConfiguration
 * when its kind matches and its apiVersion is absent or equal) and hands the resulting
 * {@code apiServer.extraArgs.client-ca-file} to {@link StandInKindNode}. Commands:
 * {@code create cluster --name N --config F [--image I] [--wait D] [--kubeconfig K] [--retain]},
 * {@code delete cluster --name N}, {@code get clusters}, {@code get nodes --name N}, {@code version}.
 * A create that fails removes its node unless {@code --retain}, as kind does. What it does not do:
 * privileged nodes (refused on these machines), worker nodes, writing a kubeconfig.
 */
public final class StandInKind {
    public static final String CLUSTER_LABEL = "io.x-k8s.kind.cluster";
    public static final String ROLE_LABEL = "io.x-k8s.kind.role";
    private static final Pattern NAME = Pattern.compile("^[a-z0-9.-]+$");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private StandInKind() {
    }

    /** Writes an executable {@code kind} into {@code dir} that runs this class with the current JVM and class path. */
    public static Path writeExecutable(Path dir, String network) throws IOException {
        Files.createDirectories(dir);
        Path kind = dir.resolve("kind");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Files.writeString(kind, "#!/bin/sh\nexport KIND_EXPERIMENTAL_DOCKER_NETWORK='" + network + "'\nexec " + java
                + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp '" + cp + "' " + StandInKind.class.getName() + " \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(kind, PosixFilePermissions.fromString("rwxr-xr-x"));
        return kind;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        if (a.size() >= 1 && a.get(0).equals("version")) {
            System.out.println("kind v0.26.0-stand-in linux/amd64");
        } else if (a.size() >= 2 && a.get(0).equals("create") && a.get(1).equals("cluster")) {
            System.exit(create(a.subList(2, a.size())));
        } else if (a.size() >= 2 && a.get(0).equals("delete") && a.get(1).equals("cluster")) {
            System.exit(delete(flag(a, "--name", "kind")));
        } else if (a.size() >= 2 && a.get(0).equals("get") && a.get(1).equals("clusters")) {
            TreeSet<String> names = new TreeSet<>();
            for (String id : Docker.labelled("container", CLUSTER_LABEL)) {
                names.add(inspect(id, "{{index .Config.Labels \"" + CLUSTER_LABEL + "\"}}"));
            }
            if (names.isEmpty()) {
                System.err.println("No kind clusters found.");
            }
            names.forEach(System.out::println);
        } else if (a.size() >= 2 && a.get(0).equals("get") && a.get(1).equals("nodes")) {
            for (String id : Docker.labelled("container", CLUSTER_LABEL + "=" + flag(a, "--name", "kind"))) {
                System.out.println(inspect(id, "{{.Name}}").replaceFirst("^/", ""));
            }
        } else {
            System.err.println("ERROR: the stand-in kind knows create/delete cluster, get clusters/nodes and version; got " + a);
            System.exit(1);
        }
    }

    private static String flag(List<String> a, String name, String fallback) {
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).equals(name) && i + 1 < a.size()) {
                return a.get(i + 1);
            }
            if (a.get(i).startsWith(name + "=")) {
                return a.get(i).substring(name.length() + 1);
            }
        }
        return fallback;
    }

    private static int create(List<String> a) throws IOException {
        String configPath = flag(a, "--config", null);
        JsonNode config = configPath == null ? YAML.createObjectNode() : YAML.readTree(Files.readString(Path.of(configPath)));
        String name = flag(a, "--name", config.path("name").asText("kind"));
        if (!NAME.matcher(name).matches()) {
            return error("'" + name + "' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
        }
        if (!Docker.labelled("container", CLUSTER_LABEL + "=" + name).isEmpty()) {
            return error("failed to create cluster: node(s) already exist for a cluster with the name \"" + name + "\"");
        }
        JsonNode node = config.path("nodes").isArray() && config.path("nodes").size() > 0 ? config.path("nodes").get(0) : YAML.createObjectNode();
        String image = flag(a, "--image", node.path("image").asText(""));
        if (image.isEmpty()) {
            return error("the stand-in kind needs the node image (nodes[0].image or --image)");
        }
        System.err.println("Creating cluster \"" + name + "\" ...");
        String network = System.getenv().getOrDefault("KIND_EXPERIMENTAL_DOCKER_NETWORK", "kind");
        if (Docker.run(List.of("network", "inspect", network), null, 60).exit() != 0) {
            Docker.run(List.of("network", "create", "--label", "ephemera.dev/test-stand-in-kind=" + network, network), null, 60);
        }
        String address = config.path("networking").path("apiServerAddress").asText("127.0.0.1");
        String nodeName = name + "-control-plane";
        List<String> run = new ArrayList<>(List.of("run", "--detach", "--name", nodeName, "--hostname", nodeName,
                "--label", CLUSTER_LABEL + "=" + name, "--label", ROLE_LABEL + "=control-plane", "--net", network,
                // No tmpfs on /tmp as kind has: the stand-in image keeps the test JVM's class path at its host paths, which
                // may lie under /tmp (a clone there), and a tmpfs would hide it.
                "--tmpfs", "/run", "--volume", "/var", "--publish", address + "::6443/tcp", "--entrypoint", "/bin/kind-node"));
        for (JsonNode m : node.path("extraMounts")) {
            run.add("--volume=" + m.path("hostPath").asText() + ":" + m.path("containerPath").asText() + (m.path("readOnly").asBoolean() ? ":ro" : ""));
        }
        run.add(image);
        run.add("--client-ca-file=" + clientCaFile(config, node));
        run.add("--tls-san=localhost");
        run.add("--tls-san=" + address);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("labels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> l = it.next();
            run.add("--node-label=" + l.getKey() + "=" + l.getValue().asText());
        }
        Docker.Result started = Docker.run(run, null, 120);
        if (started.exit() != 0) {
            cleanUp(name, a.contains("--retain"));
            return error("failed to create cluster: command \"docker run --name " + nodeName + " …\" failed: " + started.err().strip());
        }
        // kind returns once kubeadm init is done, that is once the API server listens; --wait then waits for the node to be Ready.
        Duration wait = parse(flag(a, "--wait", "0s"));
        Instant deadline = Instant.now().plus(wait.compareTo(Duration.ofMinutes(2)) > 0 ? wait : Duration.ofMinutes(2));
        long pause = 50;
        while (true) {
            String state = inspect(nodeName, "{{.State.Status}}");
            if (!state.equals("running") && !state.equals("created")) {
                Docker.Result tail = Docker.run(List.of("logs", "--tail", "20", nodeName), null, 60);
                String logs = tail.out() + tail.err(); // the node's stderr reaches `docker logs`' stderr
                cleanUp(name, a.contains("--retain"));
                return error("failed to create cluster: failed to init node with kubeadm: node " + nodeName + " " + state + ":\n" + logs.strip());
            }
            String port = Docker.run(List.of("port", nodeName, "6443/tcp"), null, 60).out().strip();
            if (!port.isEmpty() && listening(port.lines().findFirst().orElse(""))) {
                break;
            }
            if (Instant.now().isAfter(deadline)) {
                cleanUp(name, a.contains("--retain"));
                return error("failed to create cluster: timed out waiting for the control plane of " + nodeName);
            }
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 500);
        }
        System.err.println(" ✓ Starting control-plane (stand-in)");
        System.err.println("Set kubectl context to \"kind-" + name + "\" (the stand-in writes no kubeconfig)");
        return 0;
    }

    /** {@code apiServer.extraArgs.client-ca-file} after kind's patches of its kubeadm v1beta3 ClusterConfiguration; kubeadm's default otherwise. */
    private static String clientCaFile(JsonNode config, JsonNode node) throws IOException {
        String file = "/etc/kubernetes/pki/ca.crt";
        List<JsonNode> patches = new ArrayList<>();
        config.path("kubeadmConfigPatches").forEach(patches::add);
        node.path("kubeadmConfigPatches").forEach(patches::add);
        for (JsonNode p : patches) {
            JsonNode patch = YAML.readTree(p.asText());
            String apiVersion = patch.path("apiVersion").asText("");
            if (!patch.path("kind").asText().equals("ClusterConfiguration") || !(apiVersion.isEmpty() || apiVersion.equals("kubeadm.k8s.io/v1beta3"))) {
                continue;
            }
            JsonNode value = patch.path("apiServer").path("extraArgs").path("client-ca-file");
            if (value.isTextual()) {
                file = value.asText();
            }
        }
        return file;
    }

    private static boolean listening(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            return false;
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), 2_000);
            s.setSoTimeout(300);
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static Duration parse(String d) {
        if (d.matches("\\d+s")) {
            return Duration.ofSeconds(Long.parseLong(d.substring(0, d.length() - 1)));
        }
        if (d.matches("\\d+m")) {
            return Duration.ofMinutes(Long.parseLong(d.substring(0, d.length() - 1)));
        }
        return Duration.ZERO;
    }

    private static void cleanUp(String name, boolean retain) throws IOException {
        if (!retain) {
            delete(name);
        }
    }

    private static int delete(String name) throws IOException {
        System.err.println("Deleting cluster \"" + name + "\" ...");
        for (String id : Docker.labelled("container", CLUSTER_LABEL + "=" + name)) {
            Docker.Result r = Docker.run(List.of("rm", "-f", "-v", id), null, 120);
            if (r.exit() != 0 && !r.err().contains("No such container")) {
                return error("failed to delete cluster \"" + name + "\": " + r.err().strip());
            }
        }
        return 0;
    }

    private static String inspect(String id, String format) throws IOException {
        return Docker.run(List.of("inspect", "--format", format, id), null, 60).out().strip();
    }

    private static int error(String message) {
        System.err.println("ERROR: " + message);
        return 1;
    }
}
