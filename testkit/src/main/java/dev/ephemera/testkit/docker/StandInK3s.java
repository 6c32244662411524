package dev.ephemera.testkit.docker;

import dev.ephemera.testkit.fake.hetzner.FakeK3s;
import dev.ephemera.testkit.fake.hetzner.FakeK3sLauncher;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The {@code k3s} of the stand-in K3s image: what a Docker backend can tell of K3s from outside,
 * without K3s's need for privileges. Run as {@code k3s server --tls-san … --token-file …}, it
 * <ul>
 * <li>reads the CA files from {@code <data-dir>/server/tls/} and refuses to start unless the
 *     complete set K3s needs to skip making its own CAs is there (DESIGN section 10), with every
 *     private key readable by its owner alone;</li>
 * <li>checks the secure token's CA hash against {@code server-ca.crt}, with K3s's own message;</li>
 * <li>serves the API on 6443 over TLS with a serving certificate minted from our server CA for the
 *     {@code --tls-san} names ({@link FakeK3s}), client certificates checked against our client CA,
 *     in front of fabric8's mock API in CRUD mode, with a token controller and SelfSubjectReview
 *     ({@link StandInApi}).</li>
 * </ul>
 * It logs to stdout like K3s, so a refusal is what {@code docker logs} shows.
 */
public final class StandInK3s {
    /** The files K3s must find to use the given CAs (k3s-io/k3s pkg/daemons/control/deps). */
    public static final List<String> REQUIRED = List.of("server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key",
            "request-header-ca.crt", "request-header-ca.key", "etcd/server-ca.crt", "etcd/server-ca.key", "etcd/peer-ca.crt",
            "etcd/peer-ca.key", "service.key");
    public static final String READY_LINE = "Node controller sync successful";
    public static final String VERSION = "v1.31.4+k3s1";

    private StandInK3s() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("server")) {
            fatal("the stand-in k3s only runs `k3s server`, got " + List.of(args));
        }
        List<String> sans = new ArrayList<>();
        Path dataDir = Path.of("/var/lib/rancher/k3s");
        Path tokenFile = null;
        int port = 6443;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : (i + 1 < args.length ? args[i + 1] : "");
            boolean separate = !a.contains("=");
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            switch (flag) {
                case "--tls-san" -> sans.add(value);
                case "--token-file" -> tokenFile = Path.of(value);
                case "--data-dir", "-d" -> dataDir = Path.of(value);
                case "--https-listen-port" -> port = Integer.parseInt(value);
                default -> {
                    log("info", "stand-in ignores " + a);
                    continue;
                }
            }
            if (separate) {
                i++;
            }
        }
        Path tls = dataDir.resolve("server/tls");
        List<String> missing = new ArrayList<>();
        for (String f : REQUIRED) {
            if (!Files.isRegularFile(tls.resolve(f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            fatal("stand-in k3s refuses to start: the CA set in " + tls + " is incomplete, missing " + String.join(", ", missing)
                    + " (K3s would make CAs of its own and clients would see TLS failures)");
        }
        for (String f : REQUIRED) {
            if (f.endsWith(".key")) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(tls.resolve(f));
                if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
                    fatal("stand-in k3s refuses to start: " + tls.resolve(f) + " is readable by others than its owner ("
                            + java.nio.file.attribute.PosixFilePermissions.toString(p) + ")");
                }
            }
        }
        byte[] serverCaFile = Files.readAllBytes(tls.resolve("server-ca.crt"));
        if (tokenFile != null) {
            checkToken(Files.readString(tokenFile, StandardCharsets.UTF_8).strip(), serverCaFile);
        }
        String serverCa = new String(serverCaFile, StandardCharsets.US_ASCII);
        try (KubernetesCrudMock api = KubernetesCrudMock.http(); StandInApi behaviour = new StandInApi(api, serverCa)) {
            FakeK3s k3s = FakeK3sLauncher.start("0.0.0.0", port, serverCa, Files.readString(tls.resolve("server-ca.key")),
                    Files.readString(tls.resolve("client-ca.crt")), sans, VERSION, URI.create("http://127.0.0.1:" + api.port()));
            log("info", "Running kube-apiserver (stand-in) on :" + port + " with SANs " + sans);
            log("info", READY_LINE);
            Runtime.getRuntime().addShutdownHook(new Thread(k3s::close));
            Thread.currentThread().join();
        }
    }

    private static void checkToken(String token, byte[] serverCaFile) throws Exception {
        if (!token.startsWith("K10")) {
            return; // a plain password token: K3s accepts it without a CA check
        }
        String rest = token.substring(3);
        int sep = rest.indexOf("::");
        if (sep < 0 || rest.indexOf(':', sep + 2) < 0 || rest.substring(rest.indexOf(':', sep + 2) + 1).isEmpty()) {
            fatal("failed to normalize server token; must be in format K10<CA-HASH>::<USERNAME>:<PASSWORD> or <PASSWORD>");
        }
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(serverCaFile));
        if (!rest.substring(0, sep).equals(hash)) {
            fatal("token CA hash does not match the Cluster CA certificate hash: " + rest.substring(0, sep) + " != " + hash);
        }
    }

    private static void log(String level, String message) {
        System.out.println("time=\"" + java.time.Instant.now() + "\" level=" + level + " msg=\"" + message + "\"");
        System.out.flush();
    }

    private static void fatal(String message) throws IOException {
        log("fatal", message);
        System.exit(1);
    }
}
