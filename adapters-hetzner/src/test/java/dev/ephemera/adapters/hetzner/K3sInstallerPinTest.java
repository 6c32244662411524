package dev.ephemera.adapters.hetzner;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The K3s installer step of the cloud-init user data, run for real with {@code sh}, {@code curl}
 * and {@code sha256sum} against an installer served on 127.0.0.1: it runs a script whose sha256
 * matches, and refuses one that does not, failing with exit 1, a message and the marker file.
 */
@DisplayName("The pinned K3s installer")
class K3sInstallerPinTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String GOOD = "#!/bin/sh\necho \"installed $INSTALL_K3S_VERSION\" > \"$OUT\"\n";
    private static PkiBundle pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void bundle() {
        pki = K3sTestPki.bundle("EC");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The install script's steps from the download on, pointed at a local server and a temporary directory. */
    private String installStep(K3sInstaller installer, int port) throws Exception {
        JsonNode doc = YAML.readTree(CloudInit.document(new CloudInit.Spec("pr-1", "v1.31.4+k3s1", pki, List.of(), 6443, false, installer)).reveal());
        String script = null;
        for (JsonNode f : doc.path("write_files")) {
            if (f.path("path").asText().equals(CloudInit.INSTALL_SCRIPT)) {
                script = f.path("content").asText();
            }
        }
        assertThat(script).isNotNull().contains(installer.url()).contains(installer.sha256());
        String fromDownload = script.substring(script.indexOf("installer="));
        return "#!/bin/sh\nset -eu\n" + fromDownload
                .replace(installer.url(), "http://127.0.0.1:" + port + "/install.sh")
                .replace("/run/ephemera-k3s-install.sh", dir.resolve("install.sh").toString())
                .replace(CloudInit.BOOT_FAILED_MARKER.substring(0, CloudInit.BOOT_FAILED_MARKER.lastIndexOf('/')), dir.resolve("state").toString())
                .replace(CloudInit.BOOT_FAILED_MARKER, dir.resolve("state/boot-failed").toString())
                .replace("/dev/console", dir.resolve("console").toString());
    }

    private Process run(String served, K3sInstaller installer) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/install.sh", x -> {
            byte[] b = served.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        try {
            Path step = dir.resolve("step.sh");
            Files.writeString(step, installStep(installer, server.getAddress().getPort()));
            ProcessBuilder pb = new ProcessBuilder("sh", step.toString()).redirectErrorStream(true);
            pb.environment().put("OUT", dir.resolve("out").toString());
            Process p = pb.start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the install step ends").isTrue();
            return p;
        } finally {
            server.stop(0);
        }
    }

    private static void requireTools() {
        for (String tool : List.of("sh", "curl", "sha256sum")) {
            boolean found = List.of("/usr/bin/", "/bin/", "/usr/local/bin/").stream().anyMatch(d -> Files.isExecutable(Path.of(d + tool)));
            Assumptions.assumeTrue(found, tool + " is not installed; the install step runs on the server with it");
        }
    }

    @Test
    @DisplayName("runs install.sh when its sha256 is the pinned one, with the pinned K3s version")
    void runsTheMatchingInstaller() throws Exception {
        requireTools();
        Process p = run(GOOD, new K3sInstaller("v1.31.4+k3s1", sha256(GOOD)));
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(Files.readString(dir.resolve("out"))).isEqualTo("installed v1.31.4+k3s1\n");
        assertThat(dir.resolve("state/boot-failed")).doesNotExist();
    }

    @Test
    @DisplayName("refuses an install.sh whose sha256 differs: exit 1, the reason on stderr and the console, and the marker")
    void refusesAChangedInstaller() throws Exception {
        requireTools();
        String tampered = GOOD + "echo surprise\n";
        Process p = run(tampered, new K3sInstaller("v1.31.4+k3s1", sha256(GOOD)));
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(output).contains("has sha256 " + sha256(tampered) + ", expected " + sha256(GOOD), "hetzner.k3s-installer-sha256");
        assertThat(Files.readString(dir.resolve("console"))).contains("not running it");
        assertThat(Files.readString(dir.resolve("state/boot-failed"))).contains(sha256(tampered));
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    @DisplayName("defaults to install.sh at a fixed k3s-io/k3s commit with its published sha256; refuses branches and bad hashes")
    void defaultsAndValidation() {
        assertThat(K3sInstaller.DEFAULT.url())
                .isEqualTo("https://raw.githubusercontent.com/k3s-io/k3s/019b0afdd830e36f5e4b7a5b237e6a4339e6a6be/install.sh");
        assertThat(K3sInstaller.DEFAULT.sha256()).isEqualTo("68ae766b4c4fd2c8032f712cdd346c8f9d1ae60eaeb4736a1155effda44ea23d");
        assertThat(new K3sInstaller("v1.31.4+k3s1", K3sInstaller.DEFAULT_SHA256).url()).contains("/v1.31.4%2Bk3s1/install.sh");
        assertThatThrownBy(() -> new K3sInstaller("master", K3sInstaller.DEFAULT_SHA256))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
        assertThatThrownBy(() -> new K3sInstaller(K3sInstaller.DEFAULT_REF, "abc"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
    }
}
