package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.secret.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the {@code #cloud-config} user data that turns a fresh Hetzner server into a one-node
 * K3s cluster trusting our PKI, with no SSH and no step after boot.
 *
 * <p>Order matters, and cloud-init's module order gives it: {@code write_files} (init stage)
 * writes our CA files under {@code /var/lib/rancher/k3s/server/tls/}, the K3s configuration and
 * two scripts before {@code runcmd} (final stage) runs them; {@code bootcmd} would run before the
 * files exist, and K3s, finding no CA, silently makes its own. {@code runcmd} first blocks pod
 * traffic to the metadata address 169.254.169.254 — the user data, CA keys included, can be read
 * back from there — then installs the pinned K3s ({@code INSTALL_K3S_VERSION}; a channel would
 * move) with the pinned {@code install.sh} ({@link K3sInstaller}): fetched at a fixed git ref of
 * k3s-io/k3s and run only when its sha256 matches. A mismatch fails the boot visibly: the install
 * step exits 1 (cloud-init reports runcmd failed), the reason goes to the console and stderr, and
 * {@value #BOOT_FAILED_MARKER} holds it. A systemd drop-in makes {@code k3s.service} require the block on every later boot too.
 */
public final class CloudInit {
    /** Hetzner's limit on {@code user_data}. */
    public static final int MAX_USER_DATA_BYTES = 32 * 1024;
    public static final String K3S_TLS_DIR = "/var/lib/rancher/k3s/server/tls/";
    public static final String K3S_CONFIG = "/etc/rancher/k3s/config.yaml";
    public static final String BLOCK_SCRIPT = "/usr/local/sbin/ephemera-block-metadata";
    public static final String INSTALL_SCRIPT = "/usr/local/sbin/ephemera-install-k3s";
    public static final String BLOCK_UNIT = "ephemera-block-metadata.service";
    /** Written on the server when the install step refuses to go on (e.g. the installer's sha256 is wrong). */
    public static final String BOOT_FAILED_MARKER = "/var/lib/ephemera/boot-failed";
    public static final String METADATA_ADDRESS = "169.254.169.254";
    /** Files K3s must find at first start, or it makes its own CA (DESIGN section 10). */
    public static final List<String> REQUIRED_K3S_FILES = List.of("server-ca.crt", "server-ca.key", "client-ca.crt",
            "client-ca.key", "request-header-ca.crt", "request-header-ca.key", "etcd/peer-ca.crt", "etcd/peer-ca.key",
            "etcd/server-ca.crt", "etcd/server-ca.key", "service.key");

    private static final Pattern K3S_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+(-rc\\d+)?\\+k3s\\d+");
    private static final Pattern SAN = Pattern.compile("[A-Za-z0-9.:*-]{1,253}");
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());

    /**
     * What one server's user data is made from.
     *
     * @param k3sVersion              pinned K3s release, e.g. {@code v1.31.4+k3s1}
     * @param pki                     our bundle; its {@code k3s/server/tls/**} files are written before K3s starts
     * @param tlsSans                 names and addresses for the K3s serving certificate ({@code --tls-san})
     * @param apiPort                 K3s {@code https-listen-port}
     * @param addPublicIpv4FromMetadata when the address is not known in advance, read it from Hetzner's
     *                                metadata service at boot and add it to the SANs
     * @param installer               the pinned {@code install.sh}: fetched at its ref, run only when its sha256 matches
     */
    public record Spec(String clusterName, String k3sVersion, PkiBundle pki, List<String> tlsSans, int apiPort,
                       boolean addPublicIpv4FromMetadata, K3sInstaller installer) {
        public Spec(String clusterName, String k3sVersion, PkiBundle pki, List<String> tlsSans, int apiPort, boolean addPublicIpv4FromMetadata) {
            this(clusterName, k3sVersion, pki, tlsSans, apiPort, addPublicIpv4FromMetadata, K3sInstaller.DEFAULT);
        }

        public Spec {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(pki, "pki");
            Objects.requireNonNull(installer, "installer");
            tlsSans = List.copyOf(tlsSans);
            if (k3sVersion == null || !K3S_VERSION.matcher(k3sVersion).matches()) {
                throw EphemeraException.invalid("K3s version '" + k3sVersion + "' is not a pinned release such as v1.31.4+k3s1");
            }
            for (String san : tlsSans) {
                if (!SAN.matcher(san).matches()) {
                    throw EphemeraException.invalid("'" + san + "' is not a DNS name or IP address for --tls-san");
                }
            }
            if (apiPort < 1 || apiPort > 65535) {
                throw EphemeraException.invalid("API port " + apiPort + " is out of range");
            }
        }
    }

    private CloudInit() {
    }

    /** The user data for Hetzner: the plain document when it fits in 32 KiB, else base64 of its gzip. */
    public static UserData userData(Spec spec) {
        Secret doc = document(spec);
        byte[] plain = doc.revealBytes();
        if (plain.length <= MAX_USER_DATA_BYTES) {
            return new UserData(doc, false, plain.length);
        }
        // Base64 in one line: Hetzner leaves base64 with line breaks undecoded.
        String packed = Base64.getEncoder().encodeToString(gzip(plain));
        if (packed.length() > MAX_USER_DATA_BYTES) {
            throw EphemeraException.invalid("the cloud-init user data for cluster " + spec.clusterName() + " is " + plain.length
                    + " bytes (" + packed.length() + " as base64 of gzip), over Hetzner's limit of " + MAX_USER_DATA_BYTES
                    + " bytes; key material hardly compresses, so use smaller keys (pki key-type ecdsa-p256 or rsa-2048)");
        }
        return new UserData(Secret.of(packed), true, plain.length);
    }

    /** The {@code #cloud-config} document itself. */
    public static Secret document(Spec spec) {
        Map<String, BundleFile> tls = new TreeMap<>(spec.pki().k3sTlsFiles());
        List<String> missing = REQUIRED_K3S_FILES.stream().filter(f -> !tls.containsKey(f)).toList();
        if (!missing.isEmpty()) {
            throw new EphemeraException(ErrorCode.INTERNAL, "the PKI bundle for cluster " + spec.clusterName() + " lacks "
                    + String.join(", ", missing) + " under " + PkiBundle.K3S_TLS_PREFIX + "; K3s would make its own CA and "
                    + "nothing issued in advance would be trusted");
        }
        List<Map<String, Object>> files = new ArrayList<>();
        tls.forEach((rel, f) -> files.add(file(K3S_TLS_DIR + rel, f.content().reveal(), f.privateKey() || rel.endsWith(".key") ? "0600" : "0644")));
        files.add(file(K3S_CONFIG, k3sConfig(spec), "0600"));
        files.add(file(BLOCK_SCRIPT, blockScript(), "0700"));
        files.add(file("/etc/systemd/system/" + BLOCK_UNIT, blockUnit(), "0644"));
        files.add(file("/etc/systemd/system/k3s.service.d/10-ephemera-block-metadata.conf", k3sDropIn(), "0644"));
        files.add(file(INSTALL_SCRIPT, installScript(spec), "0700"));

        Map<String, Object> doc = new LinkedHashMap<>();
        // No SSH is needed; without keys Hetzner sets a root password, so password logins are switched off.
        doc.put("ssh_pwauth", false);
        doc.put("write_files", files);
        doc.put("runcmd", List.of(
                List.of("systemctl", "daemon-reload"),
                List.of("systemctl", "enable", "--now", BLOCK_UNIT),
                List.of(INSTALL_SCRIPT)));
        try {
            return Secret.of("#cloud-config\n" + YAML.writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "cannot write cloud-init YAML: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> file(String path, String content, String permissions) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", path);
        f.put("content", content);
        f.put("owner", "root:root");
        f.put("permissions", permissions);
        return f;
    }

    private static String k3sConfig(Spec spec) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("https-listen-port", spec.apiPort());
        c.put("write-kubeconfig-mode", "0600");
        if (!spec.tlsSans().isEmpty()) {
            c.put("tls-san", spec.tlsSans());
        }
        try {
            return "# Written by Ephemera for cluster " + spec.clusterName() + " before K3s first starts.\n" + YAML.writeValueAsString(c);
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "cannot write K3s configuration: " + e.getOriginalMessage(), e);
        }
    }

    private static String blockScript() {
        return """
                #!/bin/sh
                # Ephemera: pods must not reach the metadata service, which serves this server's user data
                # (the cluster's CA keys) to anyone who asks. Host processes still reach it (OUTPUT chain).
                set -eu
                if command -v iptables >/dev/null 2>&1; then
                  iptables -t raw -C PREROUTING -d %1$s/32 -j DROP 2>/dev/null \\
                    || iptables -t raw -I PREROUTING 1 -d %1$s/32 -j DROP
                elif command -v nft >/dev/null 2>&1; then
                  nft list table ip ephemera >/dev/null 2>&1 || nft -f - <<'RULES'
                table ip ephemera {
                  chain prerouting {
                    type filter hook prerouting priority -300; policy accept;
                    ip daddr %1$s drop
                  }
                }
                RULES
                else
                  echo "ephemera: neither iptables nor nft found; not starting K3s with the metadata service open to pods" >&2
                  exit 1
                fi
                """.formatted(METADATA_ADDRESS);
    }

    private static String blockUnit() {
        return """
                [Unit]
                Description=Ephemera: block pod traffic to the cloud metadata service
                Before=k3s.service

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=%s

                [Install]
                WantedBy=multi-user.target
                """.formatted(BLOCK_SCRIPT);
    }

    private static String k3sDropIn() {
        return """
                [Unit]
                Requires=%1$s
                After=%1$s
                """.formatted(BLOCK_UNIT);
    }

    private static String installScript(Spec spec) {
        StringBuilder sb = new StringBuilder();
        sb.append("#!/bin/sh\n");
        sb.append("# Ephemera: install the pinned K3s once our CA files are in place.\n");
        sb.append("set -eu\n");
        sb.append(BLOCK_SCRIPT).append('\n');
        sb.append("for f in");
        REQUIRED_K3S_FILES.forEach(f -> sb.append(' ').append(f));
        sb.append("; do\n");
        sb.append("  test -s ").append(K3S_TLS_DIR).append("\"$f\" || { echo \"ephemera: missing ").append(K3S_TLS_DIR)
                .append("$f; K3s would make its own CA\" >&2; exit 1; }\n");
        sb.append("done\n");
        if (spec.addPublicIpv4FromMetadata()) {
            sb.append("ip=\"$(curl -fsS --retry 10 --retry-connrefused --max-time 5 http://").append(METADATA_ADDRESS)
                    .append("/hetzner/v1/metadata/public-ipv4)\"\n");
            sb.append("mkdir -p /etc/rancher/k3s/config.yaml.d\n");
            sb.append("printf 'tls-san+:\\n  - \"%s\"\\n' \"$ip\" > /etc/rancher/k3s/config.yaml.d/50-ephemera-public-ipv4.yaml\n");
        }
        K3sInstaller installer = spec.installer();
        sb.append("installer=/run/ephemera-k3s-install.sh\n");
        sb.append("curl -fsSL --retry 10 --retry-connrefused -o \"$installer\" '").append(installer.url()).append("'\n");
        sb.append("actual=\"$(sha256sum \"$installer\" | cut -d' ' -f1)\"\n");
        sb.append("if [ \"$actual\" != '").append(installer.sha256()).append("' ]; then\n");
        sb.append("  msg=\"ephemera: the K3s installer ").append(installer.url()).append(" has sha256 $actual, expected ")
                .append(installer.sha256()).append("; not running it (check hetzner.k3s-installer-ref and hetzner.k3s-installer-sha256)\"\n");
        sb.append("  echo \"$msg\" >&2\n");
        sb.append("  echo \"$msg\" > /dev/console 2>/dev/null || true\n");
        sb.append("  mkdir -p ").append(BOOT_FAILED_MARKER.substring(0, BOOT_FAILED_MARKER.lastIndexOf('/'))).append('\n');
        sb.append("  echo \"$msg\" > ").append(BOOT_FAILED_MARKER).append('\n');
        sb.append("  exit 1\n");
        sb.append("fi\n");
        sb.append("INSTALL_K3S_VERSION='").append(spec.k3sVersion()).append("' INSTALL_K3S_EXEC='server' sh \"$installer\"\n");
        return sb.toString();
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "cannot gzip user data", e);
        }
        return out.toByteArray();
    }
}
