package dev.ephemera.adapters.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.testkit.capi.CapiStandIn;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The backend against fabric8's mock API server in CRUD mode with the Cluster API CRDs loaded,
 * and the testkit's stand-in for the Cluster API controllers, which brings up a fake K3s with the
 * CAs it finds in our Secrets. Endpoints are loopback addresses standing in for 192.168.1.140-149.
 */
@DisplayName("proxmox-capi against a mock management cluster with stand-in Cluster API controllers")
class ProxmoxCapiClusterBackendTest {
    private static final String ID = "pr-42-cks-backend";
    private static final String IP = "127.0.1.140";
    private static final String NS = "ephemera-" + ID;

    private KubernetesCrudMock mock;
    private CapiStandIn capi;
    private ProxmoxCapiClusterBackend backend;
    private int apiPort;

    @BeforeEach
    void start() throws Exception {
        mock = KubernetesCrudMock.http();
        capi = CapiStandIn.start(mock.client(), null);
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(IP))) {
            apiPort = probe.getLocalPort();
        }
        backend = backend(Map.of());
    }

    private ProxmoxCapiClusterBackend backend(Map<String, Object> extra) {
        Map<String, Object> s = Fixtures.seed003();
        s.put("gateway", "127.0.1.1");
        s.put("dns-servers", List.of("127.0.0.53"));
        s.put("node-addresses", List.of("127.0.1.150-127.0.1.159"));
        s.put("api-port", String.valueOf(apiPort));
        s.put("installation", "test");
        s.put("destroy-timeout", "20s");
        s.putAll(extra);
        KubernetesClient own = new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build();
        return new ProxmoxCapiClusterBackend(Fixtures.settings(s), own);
    }

    @AfterEach
    void stop() {
        try {
            assertThat(capi.violations()).as("what the Cluster API providers would refuse or misread").isEmpty();
        } finally {
            backend.close();
            capi.close();
            mock.close();
        }
    }

    private static ProvisionRequest request(String id, String ip, PkiBundle pki) {
        return new ProvisionRequest(new ClusterId(id), ClusterSpec.defaults(), Optional.of(ip), Optional.of(pki), Fixtures.labels(id));
    }

    @Test
    @DisplayName("ensure writes our CAs first, then the objects; observe goes ABSENT → RUNNING from the informer; K3s serves with our CA")
    void ensureObserveRunning() throws Exception {
        PkiBundle pki = Fixtures.pki(ID, IP);
        assertThat(backend.observe(new ClusterId(ID)).state()).isEqualTo(Observation.State.ABSENT);

        BackendRef ref = backend.ensure(request(ID, IP, pki));

        assertThat(ref).isEqualTo(new BackendRef("proxmox-capi", NS + "/" + ID));
        eventually("the cluster runs", () -> backend.observe(new ClusterId(ID)).state() == Observation.State.RUNNING);
        Observation seen = backend.observe(new ClusterId(ID));
        assertThat(seen.endpoint()).hasValueSatisfying(e -> {
            assertThat(e.apiUrl()).isEqualTo(URI.create("https://" + IP + ":" + apiPort));
            assertThat(e.ipAddress()).contains(IP);
        });
        assertThat(capi.provisioned()).containsExactly(NS + "/" + ID);
        // The fake K3s at the endpoint serves with our server CA: TLS verified against it, /readyz answers.
        HttpResponse<String> readyz = trusting(pki.serverCaPem()).send(HttpRequest.newBuilder(URI.create("https://" + IP + ":" + apiPort + "/readyz"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(readyz.statusCode()).isIn(200, 401);

        // Again: nothing new, no error (create-or-get by name).
        assertThat(backend.ensure(request(ID, IP, pki))).isEqualTo(ref);
        assertThat(mock.client().genericKubernetesResources("cluster.x-k8s.io/v1beta2", "Cluster").inNamespace(NS).list().getItems()).hasSize(1);
        assertThat(capi.provisioned()).hasSize(1);
    }

    @Test
    @DisplayName("Provisioned with the conditions still False is CREATING, not RUNNING")
    void provisionedIsNotReadiness() {
        String ns = "ephemera-pr-1-x";
        GenericKubernetesResource cluster = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("cluster.x-k8s.io/v1beta2").withKind("Cluster")
                .withNewMetadata().withName("pr-1-x").withNamespace(ns).endMetadata()
                .withAdditionalProperties(Map.of("status", Map.of("phase", "Provisioned", "conditions", List.of(
                        Map.of("type", "ControlPlaneAvailable", "status", "False", "reason", "Waiting", "message", "no machine yet"),
                        Map.of("type", "Available", "status", "False", "reason", "Waiting", "message", "")))))
                .build();
        Observation o = ClusterStatus.of(cluster, null).toObservation(Optional.empty(), Optional::empty);
        assertThat(o.state()).isEqualTo(Observation.State.CREATING);
        assertThat(o.detail()).contains("Provisioned", "ControlPlaneAvailable=False (no machine yet)");
        GenericKubernetesResource kcp = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("controlplane.cluster.x-k8s.io/v1beta2").withKind("KThreesControlPlane")
                .withNewMetadata().withName("pr-1-x-control-plane").withNamespace(ns).endMetadata()
                .withAdditionalProperties(Map.of("status", Map.of("ready", true))).build();
        assertThat(ClusterStatus.of(cluster, kcp).toObservation(Optional.empty(), Optional::empty).state()).isEqualTo(Observation.State.RUNNING);
        assertThat(ClusterStatus.of(cluster, kcp).toObservation(Optional.empty(), () -> Optional.of("own CA")).state())
                .isEqualTo(Observation.State.FAILED);
    }

    @Test
    @DisplayName("a provider that served or signed with CAs of its own (its kubeconfig says so) makes the cluster FAILED, not RUNNING")
    void providerCaOfItsOwnIsAFailure() {
        PkiBundle pki = Fixtures.pki(ID, IP);
        backend.ensure(request(ID, IP, pki));
        eventually("the cluster runs", () -> backend.observe(new ClusterId(ID)).state() == Observation.State.RUNNING);
        PkiBundle other = Fixtures.pki("someone-else", IP);

        writeKubeconfig(other.serverCaPem(), pki.adminCertPem());
        eventually("the wrong server CA is seen", () -> backend.observe(new ClusterId(ID)).state() == Observation.State.FAILED);
        assertThat(backend.observe(new ClusterId(ID)).detail()).contains("serves with a CA of its own", ID + "-ca");

        writeKubeconfig(pki.serverCaPem(), other.adminCertPem());
        assertThat(backend.observe(new ClusterId(ID)).detail()).contains("signs client certificates with a CA of its own", ID + "-cca");

        writeKubeconfig(pki.serverCaPem(), pki.adminCertPem());
        assertThat(backend.observe(new ClusterId(ID)).state()).isEqualTo(Observation.State.RUNNING);
    }

    private void writeKubeconfig(String caPem, String clientCertPem) {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://" + IP + ":" + apiPort
                + "\n    certificate-authority-data: " + b64.encodeToString(caPem.getBytes(StandardCharsets.UTF_8))
                + "\nusers:\n- name: u\n  user:\n    client-certificate-data: " + b64.encodeToString(clientCertPem.getBytes(StandardCharsets.UTF_8)) + "\n";
        mock.client().secrets().inNamespace(NS).withName(ID + "-kubeconfig").edit(s -> {
            s.getData().put("value", b64.encodeToString(text.getBytes(StandardCharsets.UTF_8)));
            return s;
        });
    }

    @Test
    @DisplayName("destroy deletes the Cluster, waits out its finalizer, then every Secret and object we made and the namespace; twice is fine")
    void destroyRemovesEverything() {
        PkiBundle pki = Fixtures.pki(ID, IP);
        backend.ensure(request(ID, IP, pki));
        eventually("the cluster runs", () -> backend.observe(new ClusterId(ID)).state() == Observation.State.RUNNING);
        assertThat(mock.client().secrets().inNamespace(NS).withName(ID + "-kubeconfig").get()).isNotNull();
        assertThat(backend.owned()).extracting(OwnedResource::kind)
                .contains("Cluster", "KThreesControlPlane", "ProxmoxCluster", "KThreesConfigTemplate", "ProxmoxMachineTemplate", "Namespace");

        backend.destroy(new ClusterId(ID));

        for (String kind : List.of("Cluster", "KThreesControlPlane", "ProxmoxCluster", "KThreesConfigTemplate", "ProxmoxMachineTemplate")) {
            String apiVersion = kind.startsWith("Proxmox") ? "infrastructure.cluster.x-k8s.io/v1alpha2"
                    : kind.equals("Cluster") ? "cluster.x-k8s.io/v1beta2"
                    : kind.equals("KThreesControlPlane") ? "controlplane.cluster.x-k8s.io/v1beta2" : "bootstrap.cluster.x-k8s.io/v1beta2";
            assertThat(mock.client().genericKubernetesResources(apiVersion, kind).inAnyNamespace().list().getItems()).as(kind).isEmpty();
        }
        assertThat(mock.client().secrets().inAnyNamespace().list().getItems()).as("secrets left").isEmpty();
        assertThat(mock.client().namespaces().withName(NS).get()).as("namespace left").isNull();
        assertThat(capi.k3s(NS, ID)).as("fake K3s still running").isEmpty();
        assertThat(backend.owned()).isEmpty();
        assertThat(backend.observe(new ClusterId(ID)).state()).isEqualTo(Observation.State.ABSENT);

        backend.destroy(new ClusterId(ID));
    }

    @Test
    @DisplayName("a shared namespace: objects there, found by label, and the namespace itself left in place on delete")
    void sharedNamespace() {
        backend.close();
        backend = backend(Map.of("namespace", "capi-clusters"));
        mock.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("capi-clusters")
                .endMetadata().build()).create();
        backend.ensure(request(ID, IP, Fixtures.pki(ID, IP)));
        eventually("the cluster runs", () -> backend.observe(new ClusterId(ID)).state() == Observation.State.RUNNING);
        assertThat(backend.owned()).extracting(OwnedResource::id).contains("capi-clusters/" + ID, "capi-clusters/" + ID + "-ca");

        backend.destroy(new ClusterId(ID));

        assertThat(mock.client().secrets().inNamespace("capi-clusters").list().getItems()).isEmpty();
        assertThat(mock.client().namespaces().withName("capi-clusters").get()).isNotNull();
        assertThat(backend.owned()).isEmpty();
    }

    @Test
    @DisplayName("a Secret of that name not made by us is a conflict, and destroy leaves a Cluster without our label alone")
    void foreignObjectsAreLeftAlone() {
        mock.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(NS)
                .addToLabels("ephemera.dev/cluster", ID).endMetadata().build()).create();
        mock.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(ID + "-ca").endMetadata()
                .addToData("tls.crt", "eA==").build()).create();

        assertThatThrownBy(() -> backend.ensure(request(ID, IP, Fixtures.pki(ID, IP))))
                .isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFLICT))
                .hasMessageContaining(ID + "-ca").hasMessageContaining("not made by Ephemera");
        assertThat(mock.client().genericKubernetesResources("cluster.x-k8s.io/v1beta2", "Cluster").inAnyNamespace().list().getItems())
                .as("no Cluster made after the conflict").isEmpty();
    }

    @Test
    @DisplayName("a size or location on the claim is refused: the VM shape comes from the settings")
    void sizeIsRefused() {
        ProvisionRequest r = new ProvisionRequest(new ClusterId(ID), new ClusterSpec(Optional.empty(), Optional.of("cpx31"), Optional.empty(),
                Map.of(), List.of()), Optional.of(IP), Optional.of(Fixtures.pki(ID, IP)), Fixtures.labels(ID));
        assertThatThrownBy(() -> backend.ensure(r)).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID)).hasMessageContaining("--size");
        assertThat(mock.client().secrets().inAnyNamespace().list().getItems()).isEmpty();
    }

    @Test
    @DisplayName("health: up against the mock, down (naming the API) when the management cluster does not answer")
    void health() throws Exception {
        assertThat(backend.health().up()).as(backend.health().detail()).isTrue();
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        KubernetesClient c = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.empty()).withMasterUrl("http://127.0.0.1:" + closed).withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(2000).withRequestTimeout(2000).build()).build();
        try (ProxmoxCapiClusterBackend b = new ProxmoxCapiClusterBackend(Fixtures.settings(Fixtures.seed003()), c)) {
            assertThat(b.health().up()).isFalse();
            assertThat(b.health().detail()).contains("127.0.0.1:" + closed);
        }
    }

    private static HttpClient trusting(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Waits, with a growing pause and a deadline, until {@code condition} holds. */
    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 20 s waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 200);
        }
    }
}
