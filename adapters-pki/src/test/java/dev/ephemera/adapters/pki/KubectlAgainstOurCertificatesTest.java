package dev.ephemera.adapters.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.domain.secret.Secret;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kubectl, with a kubeconfig we rendered, talks TLS to a server holding our serving certificate
 * and demanding a client certificate from our client CA.
 */
class KubectlAgainstOurCertificatesTest {
    private static final BouncyCastleCertificateAuthority CA = new BouncyCastleCertificateAuthority(PkiSettings.defaults());

    @TempDir
    Path dir;

    @BeforeAll
    static void needsKubectl() {
        ExternalTool.require("kubectl", "kubernetes-client");
    }

    private static PkiBundle bundle(String cluster, KeyType keyType) {
        return CA.issue(PkiRequest.ofSans(cluster, List.of("api." + cluster + ".example.com"), keyType));
    }

    private Path write(String name, Kubeconfig kubeconfig) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, KubeconfigYaml.render(kubeconfig).reveal());
        return file;
    }

    private ExternalTool.Result kubectlGetVersion(Path kubeconfig) throws Exception {
        // HOME keeps kubectl's discovery cache out of the real home directory
        return ExternalTool.run(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--request-timeout=20s",
                "get", "--raw", "/version"), Map.of("HOME", dir.toString()), Duration.ofSeconds(60));
    }

    private static Kubeconfig clientCertificateConfig(URI server, PkiBundle trusted, PkiBundle credentials) {
        return new Kubeconfig("pr-1", server, trusted.serverCaPem(),
                new KubeUser.ClientCertificate(credentials.adminCertPem(), credentials.adminKeyPem()), Optional.of("default"));
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"ECDSA_P256", "RSA_2048"})
    @DisplayName("kubectl get --raw /version succeeds with the client-certificate user, verifying our serving certificate")
    void clientCertificateUserIsAccepted(KeyType keyType) throws Exception {
        PkiBundle bundle = bundle("pr-1", keyType);
        try (TlsApiServer server = TlsApiServer.requiringClientCertificates(bundle)) {
            Path kubeconfig = write("kubeconfig", clientCertificateConfig(server.url(), bundle, bundle));

            ExternalTool.Result r = kubectlGetVersion(kubeconfig);

            assertThat(r.exitCode()).as(r.both()).isZero();
            assertThat(r.out().strip()).isEqualTo(TlsApiServer.VERSION_JSON);
            // Some kubectl builds (the Google Cloud SDK dispatcher) ask /version once more to pick a binary.
            assertThat(server.served).isNotEmpty().containsOnly("CN=ephemera-admin,O=system:masters");
            assertThat(server.refusedClients).isEmpty();
        }
    }

    @Test
    @DisplayName("a client certificate from another cluster's CA is refused in the TLS handshake")
    void otherClustersClientCertificateIsRefused() throws Exception {
        PkiBundle ours = bundle("pr-1", KeyType.ECDSA_P256);
        PkiBundle theirs = bundle("pr-2", KeyType.ECDSA_P256);
        try (TlsApiServer server = TlsApiServer.requiringClientCertificates(ours)) {
            Path kubeconfig = write("kubeconfig-theirs", clientCertificateConfig(server.url(), ours, theirs));

            ExternalTool.Result r = kubectlGetVersion(kubeconfig);

            // Go reports the refusal as EOF, a reset or a "bad certificate" alert, depending on timing;
            // the server's own trust manager says why.
            assertThat(r.exitCode()).as(r.both()).isNotZero();
            assertThat(r.err()).contains("Unable to connect to the server");
            assertThat(server.served).isEmpty();
            assertThat(server.refusedClients).isNotEmpty()
                    .allSatisfy(line -> assertThat(line).startsWith("CN=ephemera-admin,O=system:masters: ")
                            .contains("PKIX path building failed"));
        }
    }

    @Test
    @DisplayName("kubectl refuses a server whose certificate another cluster's CA issued")
    void serverFromAnotherClusterIsRefused() throws Exception {
        PkiBundle ours = bundle("pr-1", KeyType.ECDSA_P256);
        PkiBundle theirs = bundle("pr-2", KeyType.ECDSA_P256);
        try (TlsApiServer server = TlsApiServer.requiringClientCertificates(theirs)) {
            Path kubeconfig = write("kubeconfig-wrong-ca", clientCertificateConfig(server.url(), ours, theirs));

            ExternalTool.Result r = kubectlGetVersion(kubeconfig);

            assertThat(r.exitCode()).as(r.both()).isNotZero();
            assertThat(r.err()).contains("x509");
            assertThat(server.served).isEmpty();
        }
    }

    @Test
    @DisplayName("kubectl get --raw /version succeeds with the token user")
    void tokenUserIsAccepted() throws Exception {
        PkiBundle bundle = bundle("pr-1", KeyType.ECDSA_P256);
        String token = "eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl";
        try (TlsApiServer server = TlsApiServer.requiringToken(bundle, token)) {
            Path kubeconfig = write("kubeconfig-token", new Kubeconfig("ci", server.url(), bundle.serverCaPem(),
                    new KubeUser.Token(Secret.of(token)), Optional.of("ephemera-ci")));

            ExternalTool.Result r = kubectlGetVersion(kubeconfig);

            assertThat(r.exitCode()).as(r.both()).isZero();
            assertThat(r.out().strip()).isEqualTo(TlsApiServer.VERSION_JSON);
            assertThat(server.served).isNotEmpty().containsOnly("token");
        }
    }
}
