package dev.ephemera.adapters.hetzner;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Cloud-init user data for a Hetzner K3s server")
class CloudInitTest {
    private static final String SCHEMA_IRI = "https://spec.ephemera.invalid/cloud-init/schema-cloud-config-v1.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static PkiBundle ec;
    private static Schema schema;

    @BeforeAll
    static void setUp() throws Exception {
        ec = K3sTestPki.bundle("EC");
        Path file = Specs.shared().resolve("specs/cloud-init/schema-cloud-config-v1.json");
        String text = Files.readString(file);
        schema = SchemaRegistry.withDefaultDialect(Dialects.getDraft4(), b -> b.schemas(Map.of(SCHEMA_IRI, text)))
                .getSchema(SchemaLocation.of(SCHEMA_IRI));
    }

    private static CloudInit.Spec spec(PkiBundle pki) {
        return new CloudInit.Spec("pr-42-shop", "v1.31.4+k3s1", pki, List.of("pr-42-shop.clusters.example.com"), 6443, true);
    }

    private static JsonNode parse(String doc) throws Exception {
        assertThat(doc).startsWith("#cloud-config\n");
        return YAML.readTree(doc);
    }

    @Test
    @DisplayName("is valid against cloud-init's JSON schema and fits Hetzner's 32 KiB")
    void validAgainstTheCloudInitSchema() throws Exception {
        UserData data = CloudInit.userData(spec(ec));
        assertThat(data.compressed()).isFalse();
        assertThat(data.sentBytes()).isLessThanOrEqualTo(32 * 1024);
        JsonNode doc = parse(data.value().reveal());
        List<Error> errors = schema.validate(JSON.writeValueAsString(doc), InputFormat.JSON);
        assertThat(errors).isEmpty();
    }

    @Test
    @DisplayName("writes every K3s CA file under server/tls before runcmd, keys 0600, contents unchanged")
    void writesEveryK3sFile() throws Exception {
        JsonNode doc = parse(CloudInit.document(spec(ec)).reveal());
        List<String> paths = new ArrayList<>();
        for (JsonNode f : doc.path("write_files")) {
            String path = f.path("path").asText();
            paths.add(path);
            if (path.startsWith(CloudInit.K3S_TLS_DIR)) {
                String rel = path.substring(CloudInit.K3S_TLS_DIR.length());
                BundleFile source = ec.k3sTlsFiles().get(rel);
                assertThat(f.path("content").asText()).isEqualTo(source.content().reveal());
                assertThat(f.path("permissions").asText()).isEqualTo(rel.endsWith(".key") ? "0600" : "0644");
                assertThat(f.path("owner").asText()).isEqualTo("root:root");
            }
        }
        for (String required : CloudInit.REQUIRED_K3S_FILES) {
            assertThat(paths).contains(CloudInit.K3S_TLS_DIR + required);
        }
        assertThat(doc.has("bootcmd")).as("bootcmd runs before write_files; K3s must not start from it").isFalse();
    }

    @Test
    @DisplayName("blocks pod traffic to the metadata address before installing the pinned K3s")
    void blocksMetadataBeforeInstallingPinnedK3s() throws Exception {
        JsonNode doc = parse(CloudInit.document(spec(ec)).reveal());
        String install = file(doc, CloudInit.INSTALL_SCRIPT);
        String block = file(doc, CloudInit.BLOCK_SCRIPT);
        assertThat(block).contains("iptables -t raw -I PREROUTING 1 -d 169.254.169.254/32 -j DROP");
        assertThat(install).contains("INSTALL_K3S_VERSION='v1.31.4+k3s1'");
        assertThat(install.indexOf(CloudInit.BLOCK_SCRIPT)).isLessThan(install.indexOf("INSTALL_K3S_VERSION"));
        assertThat(install).contains("set -eu").contains("/hetzner/v1/metadata/public-ipv4").contains("tls-san+:");
        List<String> runcmd = new ArrayList<>();
        doc.path("runcmd").forEach(c -> runcmd.add(c.toString()));
        assertThat(runcmd.get(runcmd.size() - 1)).contains(CloudInit.INSTALL_SCRIPT);
        assertThat(file(doc, "/etc/systemd/system/k3s.service.d/10-ephemera-block-metadata.conf"))
                .contains("Requires=" + CloudInit.BLOCK_UNIT);
        assertThat(doc.path("ssh_pwauth").asBoolean(true)).isFalse();
    }

    @Test
    @DisplayName("puts the DNS name and the API port in the K3s configuration")
    void k3sConfigurationHasSansAndPort() throws Exception {
        CloudInit.Spec s = new CloudInit.Spec("c1", "v1.30.6+k3s1", ec, List.of("c1.example.com", "203.0.113.7"), 443, false);
        JsonNode doc = parse(CloudInit.document(s).reveal());
        JsonNode config = YAML.readTree(file(doc, CloudInit.K3S_CONFIG));
        assertThat(config.path("https-listen-port").asInt()).isEqualTo(443);
        assertThat(config.path("tls-san")).extracting(JsonNode::asText).containsExactly("c1.example.com", "203.0.113.7");
        assertThat(config.path("write-kubeconfig-mode").asText()).isEqualTo("0600");
        assertThat(file(doc, CloudInit.INSTALL_SCRIPT)).doesNotContain("public-ipv4");
    }

    @Test
    @DisplayName("sends base64 of gzip, on one line, when the document is over 32 KiB")
    void compressesLargeDocuments() throws Exception {
        // A bundle with a long trust chain: over 32 KiB as text, but certificates repeat and compress.
        List<BundleFile> files = new ArrayList<>(ec.files());
        files.add(new BundleFile(PkiBundle.K3S_TLS_PREFIX + "extra-trust.crt", dev.ephemera.domain.secret.Secret.of(ec.serverCaPem().repeat(60)), false));
        PkiBundle big = new PkiBundle(files);
        UserData data = CloudInit.userData(spec(big));
        assertThat(data.plainBytes()).isGreaterThan(32 * 1024);
        assertThat(data.compressed()).isTrue();
        assertThat(data.sentBytes()).isLessThanOrEqualTo(32 * 1024);
        assertThat(data.value().reveal()).doesNotContain("\n");
        byte[] raw = Base64.getDecoder().decode(data.value().reveal());
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            String doc = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(doc).isEqualTo(CloudInit.document(spec(big)).reveal());
            assertThat(schema.validate(JSON.writeValueAsString(parse(doc)), InputFormat.JSON)).isEmpty();
        }
    }

    @Test
    @DisplayName("refuses user data that stays over 32 KiB even compressed, saying which keys to use")
    void refusesWhatCannotFit() {
        // Key material is random: 40 KiB of it stays over the limit however it is packed.
        byte[] noise = new byte[40 * 1024];
        new java.security.SecureRandom().nextBytes(noise);
        List<BundleFile> files = new ArrayList<>(ec.files());
        files.add(new BundleFile(PkiBundle.K3S_TLS_PREFIX + "big.key",
                dev.ephemera.domain.secret.Secret.of(Base64.getMimeEncoder().encodeToString(noise)), true));
        PkiBundle huge = new PkiBundle(files);
        assertThatThrownBy(() -> CloudInit.userData(spec(huge)))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("32768").hasMessageContaining("ecdsa-p256");
    }

    @Test
    @DisplayName("refuses a bundle without every K3s CA file, since K3s would quietly make its own")
    void refusesIncompleteBundle() {
        List<BundleFile> files = ec.files().stream().filter(f -> !f.path().endsWith("etcd/peer-ca.key")).toList();
        assertThatThrownBy(() -> CloudInit.document(spec(new PkiBundle(files))))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("etcd/peer-ca.key");
    }

    @Test
    @DisplayName("refuses an unpinned K3s version")
    void refusesChannels() {
        assertThatThrownBy(() -> new CloudInit.Spec("c", "stable", ec, List.of(), 6443, true))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("pinned");
    }

    @Test
    @DisplayName("passes cloud-init's own schema check (cloud-init schema --config-file)")
    void passesCloudInitsOwnCheck(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("cloud-init"), "cloud-init is not installed (Debian package cloud-init); skipping its own schema check");
        Path file = dir.resolve("user-data.yaml");
        Files.writeString(file, CloudInit.document(spec(ec)).reveal());
        Process p = new ProcessBuilder("cloud-init", "schema", "--config-file", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).containsIgnoringCase("valid");
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String file(JsonNode doc, String path) {
        for (JsonNode f : doc.path("write_files")) {
            if (f.path("path").asText().equals(path)) {
                return f.path("content").asText();
            }
        }
        throw new AssertionError("no write_files entry for " + path);
    }
}
