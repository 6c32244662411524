package dev.ephemera.adapters.kind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Our PKI in kubeadm's shape, and the kind config that hands it to kubeadm. kubeadm uses a CA
 * whose {@code .crt} and {@code .key} exist under {@code /etc/kubernetes/pki} when it starts, and
 * makes only the CAs that are missing ({@code kubeadm init phase certs ca}); kind runs
 * {@code kubeadm init} in the node after creating it, so the CA files are bind-mounted into the node
 * ({@code extraMounts}, read-only) from a directory of this cluster's own:
 * <ul>
 * <li>{@code ca.crt}/{@code ca.key} ← our server CA: kubeadm signs the API server's serving
 *     certificate and its own components' client certificates with it, so our {@code ca.crt}
 *     verifies the API server;</li>
 * <li>{@code front-proxy-ca} ← our request-header CA, {@code etcd/ca} ← our etcd server CA;</li>
 * <li>{@value #CLIENT_CA_FILE}: our server CA followed by our client CA. kubeadm points the API
 *     server's {@code --client-ca-file} at {@code ca.crt}; a kubeadm patch points it at this file
 *     instead, so our admin certificate (signed by the client CA) is accepted and so are kubeadm's
 *     own client certificates (signed by {@code ca}).</li>
 * </ul>
 * The config is written as JSON, which is YAML, so every value is quoted correctly.
 */
final class KindClusterConfig {
    static final String PKI_DIR = "/etc/kubernetes/pki";
    static final String CLIENT_CA_FILE = PKI_DIR + "/ephemera-client-ca.crt";
    /** Our K3s-shaped bundle file → kubeadm's file under {@link #PKI_DIR}. */
    static final Map<String, String> KUBEADM_NAMES;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("server-ca.crt", "ca.crt");
        m.put("server-ca.key", "ca.key");
        m.put("request-header-ca.crt", "front-proxy-ca.crt");
        m.put("request-header-ca.key", "front-proxy-ca.key");
        m.put("etcd/server-ca.crt", "etcd/ca.crt");
        m.put("etcd/server-ca.key", "etcd/ca.key");
        KUBEADM_NAMES = java.util.Collections.unmodifiableMap(m);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private KindClusterConfig() {
    }

    /** Writes the CA files (keys 0600, in a 0700 directory) under {@code dir/pki}; returns kubeadm path → host file. */
    static Map<String, Path> writePki(Path dir, PkiBundle pki) {
        Map<String, BundleFile> k3s = pki.k3sTlsFiles();
        Map<String, Path> mounts = new LinkedHashMap<>();
        try {
            Path pkiDir = dir.resolve("pki");
            Files.createDirectories(pkiDir.resolve("etcd"));
            for (Path d : new Path[] {dir, pkiDir, pkiDir.resolve("etcd")}) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            }
            for (Map.Entry<String, String> e : KUBEADM_NAMES.entrySet()) {
                BundleFile f = k3s.get(e.getKey());
                if (f == null) {
                    throw EphemeraException.invalid("the cluster's PKI bundle lacks " + e.getKey() + ", which kubeadm needs as " + e.getValue());
                }
                Path target = pkiDir.resolve(e.getValue());
                write(target, f.content().revealBytes(), f.privateKey());
                mounts.put(PKI_DIR + "/" + e.getValue(), target);
            }
            String serverCa = new String(k3s.get("server-ca.crt").content().revealBytes(), StandardCharsets.US_ASCII).strip();
            BundleFile clientCa = k3s.get("client-ca.crt");
            if (clientCa == null) {
                throw EphemeraException.invalid("the cluster's PKI bundle lacks client-ca.crt, which signs the admin certificate");
            }
            String bundle = serverCa + "\n" + new String(clientCa.content().revealBytes(), StandardCharsets.US_ASCII).strip() + "\n";
            Path clientBundle = pkiDir.resolve("ephemera-client-ca.crt");
            write(clientBundle, bundle.getBytes(StandardCharsets.US_ASCII), false);
            mounts.put(CLIENT_CA_FILE, clientBundle);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the cluster's CA files under " + dir, e);
        }
        return mounts;
    }

    private static void write(Path target, byte[] content, boolean secret) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".ca", ".tmp", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        try {
            Files.write(tmp, content);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The kind config of one single-node cluster. */
    static String render(String name, String nodeImage, Map<String, String> nodeLabels, Map<String, Path> mounts) {
        ObjectNode c = JSON.createObjectNode();
        c.put("kind", "Cluster");
        c.put("apiVersion", "kind.x-k8s.io/v1alpha4");
        c.put("name", name);
        c.putObject("networking").put("apiServerAddress", "127.0.0.1");
        ObjectNode node = c.putArray("nodes").addObject();
        node.put("role", "control-plane");
        node.put("image", nodeImage);
        ObjectNode labels = node.putObject("labels");
        nodeLabels.forEach(labels::put);
        ArrayNode extraMounts = node.putArray("extraMounts");
        mounts.forEach((containerPath, host) -> extraMounts.addObject().put("hostPath", host.toString()).put("containerPath", containerPath)
                .put("readOnly", true));
        ArrayNode patches = c.putArray("kubeadmConfigPatches");
        // kind makes kubeadm v1beta3 config for every Kubernetes release since 1.23: extraArgs is a map there, merged by this patch.
        ObjectNode v1beta3 = JSON.createObjectNode();
        v1beta3.put("apiVersion", "kubeadm.k8s.io/v1beta3");
        v1beta3.put("kind", "ClusterConfiguration");
        v1beta3.putObject("apiServer").putObject("extraArgs").put("client-ca-file", CLIENT_CA_FILE);
        patches.add(compact(v1beta3));
        // kubeadm v1beta4 holds extraArgs as a list of {name, value}, which a merge patch would replace whole: append instead.
        ArrayNode json6902 = c.putArray("kubeadmConfigPatchesJSON6902");
        ObjectNode p = json6902.addObject();
        p.put("group", "kubeadm.k8s.io");
        p.put("version", "v1beta4");
        p.put("kind", "ClusterConfiguration");
        ArrayNode ops = JSON.createArrayNode();
        ObjectNode add = ops.addObject();
        add.put("op", "add");
        add.put("path", "/apiServer/extraArgs/-");
        add.putObject("value").put("name", "client-ca-file").put("value", CLIENT_CA_FILE);
        p.put("patch", compact(ops));
        return json(c);
    }

    private static String compact(Object node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always encodes", e);
        }
    }

    private static String json(Object node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always encodes", e);
        }
    }
}
