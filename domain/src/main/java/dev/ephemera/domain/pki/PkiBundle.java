package dev.ephemera.domain.pki;

import dev.ephemera.domain.secret.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything issued for one cluster, as files: the server CA ({@code ca.crt}), client CA
 * ({@code client-ca.crt}), API server serving pair ({@code apiserver.crt|key}), admin client pair
 * ({@code admin.crt|key}), and the K3s tree under {@code k3s/server/tls/}.
 */
public record PkiBundle(List<BundleFile> files) {
    public static final String SERVER_CA = "ca.crt";
    public static final String CLIENT_CA = "client-ca.crt";
    public static final String APISERVER_CERT = "apiserver.crt";
    public static final String APISERVER_KEY = "apiserver.key";
    public static final String ADMIN_CERT = "admin.crt";
    public static final String ADMIN_KEY = "admin.key";
    /** Where K3s expects the tree: {@code <data-dir>/server/tls/}. */
    public static final String K3S_TLS_PREFIX = "k3s/server/tls/";
    /** The K3s server CA, whose exact bytes K3s serves at {@code /cacerts} and hashes into join tokens. */
    public static final String K3S_SERVER_CA = K3S_TLS_PREFIX + "server-ca.crt";

    public PkiBundle {
        files = List.copyOf(files);
        Map<String, Long> counts = files.stream().collect(Collectors.groupingBy(BundleFile::path, Collectors.counting()));
        counts.forEach((p, n) -> {
            if (n > 1) {
                throw new IllegalArgumentException("bundle holds " + p + " twice");
            }
        });
    }

    public Optional<BundleFile> file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    private String publicText(String path) {
        return file(path).map(f -> f.content().reveal())
                .orElseThrow(() -> new IllegalStateException("bundle has no " + path));
    }

    private Secret secret(String path) {
        return file(path).map(BundleFile::content).orElseThrow(() -> new IllegalStateException("bundle has no " + path));
    }

    public String serverCaPem() {
        return publicText(SERVER_CA);
    }

    public String clientCaPem() {
        return publicText(CLIENT_CA);
    }

    public String apiServerCertPem() {
        return publicText(APISERVER_CERT);
    }

    public Secret apiServerKeyPem() {
        return secret(APISERVER_KEY);
    }

    public String adminCertPem() {
        return publicText(ADMIN_CERT);
    }

    public Secret adminKeyPem() {
        return secret(ADMIN_KEY);
    }

    /** The K3s files keyed by their path below {@code server/tls/}. */
    public Map<String, BundleFile> k3sTlsFiles() {
        return files.stream().filter(f -> f.path().startsWith(K3S_TLS_PREFIX))
                .collect(Collectors.toMap(f -> f.path().substring(K3S_TLS_PREFIX.length()), Function.identity()));
    }

    /**
     * The CA hash of a secure K3s join token ({@code K10<hash>::<credentials>}): for a CA file
     * holding one certificate, K3s takes the SHA-256 of the file's exact bytes, not of the DER
     * (k3s-io/k3s {@code pkg/clientaccess/token.go}, {@code hashCA}). So the file must reach the
     * server byte for byte as issued.
     */
    public String k3sCaHash() {
        String pem = publicText(K3S_SERVER_CA);
        if (pem.split("-----BEGIN CERTIFICATE-----", -1).length != 2) {
            throw new IllegalStateException(K3S_SERVER_CA + " must hold exactly one certificate for its hash to be the file's");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(pem.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "PkiBundle" + files.stream().map(BundleFile::path).toList();
    }
}
