package dev.ephemera.testkit.kind;

import dev.ephemera.testkit.docker.StandInApi;
import dev.ephemera.testkit.fake.hetzner.FakeK3s;
import dev.ephemera.testkit.fake.hetzner.FakeK3sLauncher;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The control-plane node of the stand-in kind ({@code /bin/kind-node} in the stand-in image): what a
 * kind node shows from outside once {@code kubeadm init} has run, without kubeadm's need for
 * privileges. Run as {@code kind-node [--client-ca-file=PATH] [--tls-san=NAME]…}, it
 * <ul>
 * <li>reads kubeadm's CA files from {@code /etc/kubernetes/pki} ({@code ca}, {@code front-proxy-ca},
 *     {@code etcd/ca}, {@code .crt} and {@code .key} each) and refuses to start unless all are there,
 *     with every key readable by its owner alone — where real kubeadm would quietly make CAs of its
 *     own, this refusal is what proves the backend's mounts reach the node;</li>
 * <li>reads the API server's client CA file, kubeadm's default {@code /etc/kubernetes/pki/ca.crt}
 *     unless a kubeadm patch named another ({@code --client-ca-file}, as the stand-in kind passes
 *     it on), and trusts client certificates of every CA in it;</li>
 * <li>serves the API on 6443 over TLS with a serving certificate minted from {@code ca}, in front of
 *     fabric8's mock API in CRUD mode with a token controller ({@link StandInApi}).</li>
 * </ul>
 */
public final class StandInKindNode {
    public static final String PKI = "/etc/kubernetes/pki";
    /** The CA pairs kubeadm uses when present instead of making its own ({@code kubeadm init phase certs}). */
    public static final List<String> REQUIRED = List.of("ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key");
    public static final String VERSION = "v1.31.4";

    private StandInKindNode() {
    }

    public static void main(String[] args) throws Exception {
        Path clientCaFile = Path.of(PKI, "ca.crt");
        List<String> sans = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--client-ca-file=")) {
                clientCaFile = Path.of(a.substring("--client-ca-file=".length()));
            } else if (a.startsWith("--tls-san=")) {
                sans.add(a.substring("--tls-san=".length()));
            } else {
                log("stand-in kind node ignores " + a);
            }
        }
        Path pki = Path.of(PKI);
        List<String> missing = new ArrayList<>();
        for (String f : REQUIRED) {
            if (!Files.isRegularFile(pki.resolve(f))) {
                missing.add(f);
            }
        }
        if (!Files.isRegularFile(clientCaFile)) {
            missing.add(clientCaFile.toString() + " (--client-ca-file)");
        }
        if (!missing.isEmpty()) {
            fatal("stand-in kubeadm refuses to start: the CA set in " + pki + " is incomplete, missing " + String.join(", ", missing)
                    + " (kubeadm would make CAs of its own and clients would see TLS failures)");
        }
        for (String f : REQUIRED) {
            if (f.endsWith(".key")) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(pki.resolve(f));
                if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
                    fatal("stand-in kubeadm refuses to start: " + pki.resolve(f) + " is readable by others than its owner ("
                            + PosixFilePermissions.toString(p) + ")");
                }
            }
        }
        String ca = Files.readString(pki.resolve("ca.crt"), StandardCharsets.US_ASCII);
        try (KubernetesCrudMock api = KubernetesCrudMock.http(); StandInApi behaviour = new StandInApi(api, ca)) {
            FakeK3s server = FakeK3sLauncher.startTrustingBundle("0.0.0.0", 6443, ca, Files.readString(pki.resolve("ca.key")),
                    Files.readString(clientCaFile, StandardCharsets.US_ASCII), sans, VERSION, URI.create("http://127.0.0.1:" + api.port()));
            log("[certs] Using existing ca certificate authority");
            log("[certs] Using existing front-proxy-ca certificate authority");
            log("[certs] Using existing etcd/ca certificate authority");
            log("kube-apiserver (stand-in) serving on :6443, --client-ca-file=" + clientCaFile + ", SANs " + sans);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            Thread.currentThread().join();
        }
    }

    private static void log(String message) {
        System.out.println(message);
        System.out.flush();
    }

    private static void fatal(String message) throws IOException {
        log("error execution phase certs: " + message);
        System.exit(1);
    }
}
