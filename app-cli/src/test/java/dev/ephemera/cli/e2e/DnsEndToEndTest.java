package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephemera.cli.EphemeraCli;
import dev.ephemera.testkit.capi.CapiSchemas;
import dev.ephemera.testkit.dns.Dnsmasq;
import dev.ephemera.testkit.dns.ExternalDnsStandIn;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's DNS promise for seed 000 (Hetzner), end to end through the CLI: with {@code dns: external-dns}
 * the cluster gets a DNSEndpoint on a (mock) management cluster, its API server's certificate carries
 * the name, the CI kubeconfig reaches it by name, Ready waits until a real DNS server (dnsmasq, fed by
 * a stand-in for external-dns) answers for it, and delete removes the record.
 */
@DisplayName("ephemera cluster create/delete on hetzner with DNS names, end to end against the fakes and a real dnsmasq")
class DnsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String NS = "external-dns";
    private static final String ZONE = "ephemeral.test";

    @TempDir
    Path dir;

    record Cli(int exit, String out, String err) {
    }

    private static Cli ephemera(World world, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(world.config.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = EphemeraCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), world.env(),
                Optional.empty(), false);
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    @DisplayName("the name is published, served, in the certificate and in the kubeconfig; kubectl verifies it; delete removes the record")
    void hetznerClusterGetsItsName() throws Exception {
        assumeTrue(Dnsmasq.binary().isPresent(), "dnsmasq is not installed (apt-get install dnsmasq-base; .ci/run installs it): "
                + "Ready waits on a real DNS server here");
        try (World world = World.start(dir); KubernetesCrudMock management = KubernetesCrudMock.http();
             Dnsmasq dnsmasq = Dnsmasq.start(dir, ZONE)) {
            try (InputStream in = Files.newInputStream(CapiSchemas.crdFile("DNSEndpoint"))) {
                management.client().apiextensions().v1().customResourceDefinitions().resource(
                        management.client().apiextensions().v1().customResourceDefinitions().load(in).item()).create();
            }
            Path managementKubeconfig = Files.writeString(dir.resolve("management.yaml"), "apiVersion: v1\nkind: Config\nclusters:\n"
                    + "- name: tools\n  cluster:\n    server: http://127.0.0.1:" + management.port() + "\ncontexts:\n- name: tools\n  context:\n"
                    + "    cluster: tools\n    user: ephemera\nusers:\n- name: ephemera\n  user:\n    token: mock\ncurrent-context: tools\n");
            Files.writeString(world.config, "dns: external-dns\nexternal-dns:\n  kubeconfig: " + managementKubeconfig + "\n  context: tools\n"
                    + "  namespace: " + NS + "\n  zone: " + ZONE + "\n  ttl: 60s\n  resolver: " + dnsmasq.address() + "\npolicies:\n"
                    + "  dns-timeout: 2m\n", StandardOpenOption.APPEND);
            String name = "pr-42-shop." + ZONE;
            Path kc = dir.resolve("kc.yaml");

            try (ExternalDnsStandIn externalDns = ExternalDnsStandIn.start(management.client(), NS, dnsmasq)) {
                Cli create = ephemera(world, "cluster", "create", "pr-42-shop", "--backend", "hetzner", "--owner", "acme/shop#42", "--wait",
                        "--timeout", "3m", "--kubeconfig-out", kc.toString(), "--output", "json");
                assertThat(create.exit()).as(create.err()).isZero();
                JsonNode created = JSON.readTree(create.out());
                assertThat(created.path("phase").asText()).isEqualTo("Ready");

                FakeHetzner.ServerView server = world.hetzner.servers().get(0);
                assertThat(created.at("/endpoint/dnsName").asText()).isEqualTo(name);
                assertThat(created.at("/endpoint/ipAddress").asText()).isEqualTo(server.ipv4());
                assertThat(created.at("/endpoint/apiUrl").asText()).isEqualTo("https://" + server.ipv4() + ":" + world.hetzner.apiPort());

                // One DNSEndpoint, valid against external-dns' CRD, pointing the name at the server; the stand-in served it.
                List<GenericKubernetesResource> records = management.client()
                        .genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).list().getItems();
                assertThat(records).singleElement().satisfies(o -> {
                    assertThat(o.getMetadata().getName()).isEqualTo("ephemera-pr-42-shop");
                    assertThat(o.getMetadata().getLabels()).containsEntry("ephemera.dev/cluster", "pr-42-shop")
                            .containsEntry("ephemera.dev/installation", "default");
                    assertThat(CapiSchemas.validate(management.client().getKubernetesSerialization().asJson(o))).isEmpty();
                });
                assertThat(externalDns.served()).contains(name + " " + server.ipv4());

                // The CI kubeconfig names the server by its DNS name, on the API port.
                JsonNode kubeconfig = YAML.readTree(Files.readString(kc));
                assertThat(kubeconfig.at("/clusters/0/cluster/server").asText()).isEqualTo("https://" + name + ":" + world.hetzner.apiPort());
                String ca = new String(Base64.getDecoder().decode(kubeconfig.at("/clusters/0/cluster/certificate-authority-data").asText()),
                        StandardCharsets.US_ASCII);

                // The certificate the API server presents (K3s mints it from --tls-san) carries the name.
                X509Certificate served = servedCertificate(server.ipv4(), world.hetzner.apiPort(), ca);
                List<String> dnsSans = new ArrayList<>();
                served.getSubjectAlternativeNames().forEach(san -> {
                    if (((Integer) san.get(0)) == 2) {
                        dnsSans.add((String) san.get(1));
                    }
                });
                assertThat(dnsSans).contains(name);
                Optional<String> openssl = opensslCheckHost(served, name);
                openssl.ifPresent(out -> assertThat(out).contains("does match certificate"));

                // The real kubectl, asked to verify the server as that name (the name itself resolves only through dnsmasq).
                if (World.kubectl().isPresent()) {
                    World.Run run = world.kubectl("--kubeconfig", kc.toString(), "--server", "https://" + server.ipv4() + ":" + world.hetzner.apiPort(),
                            "--tls-server-name", name, "get", "--raw", "/api/v1/namespaces/ephemera-ci/serviceaccounts");
                    assertThat(run.exit()).as("kubectl failed: %s", run.stderr()).isZero();
                    World.Run wrongName = world.kubectl("--kubeconfig", kc.toString(), "--server", "https://" + server.ipv4() + ":"
                            + world.hetzner.apiPort(), "--tls-server-name", "other." + ZONE, "get", "--raw", "/api/v1/namespaces/ephemera-ci/serviceaccounts");
                    assertThat(wrongName.exit()).as("a name not in the certificate is refused").isNotZero();
                    assertThat(wrongName.stderr()).contains("certificate");
                }

                Cli delete = ephemera(world, "cluster", "delete", "pr-42-shop", "--wait", "--timeout", "3m", "--output", "json");
                assertThat(delete.exit()).as(delete.err()).isZero();
                assertThat(management.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).list()
                        .getItems()).as("DNSEndpoints left after delete").isEmpty();
                assertThat(world.hetzner.servers()).isEmpty();
                assumeTrue(World.kubectl().isPresent() && openssl.isPresent(), "kubectl or openssl is not installed, so the certificate's "
                        + "name was checked by the JDK alone; every other check above passed");
            }
        }
    }

    /** The leaf certificate a TLS server presents, verified against {@code caPem} (no host name check: we read the names). */
    private static X509Certificate servedCertificate(String host, int port, String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(host, port)) {
            s.setSoTimeout(30_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /** {@code openssl x509 -checkhost}'s verdict on the certificate, if openssl is installed. */
    private Optional<String> opensslCheckHost(X509Certificate cert, String name) throws Exception {
        Optional<Path> openssl = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(d -> Path.of(d, "openssl")).filter(Files::isExecutable).findFirst();
        if (openssl.isEmpty()) {
            return Optional.empty();
        }
        Path pem = Files.writeString(dir.resolve("served.pem"), World.pem(cert));
        Process p = new ProcessBuilder(openssl.get().toString(), "x509", "-in", pem.toString(), "-noout", "-checkhost", name)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return Optional.of(out);
    }
}
