package dev.ephemera.adapters.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.testkit.capi.CapiSchemas;
import dev.ephemera.testkit.capi.CapiStandIn;
import dev.ephemera.testkit.capi.Discovery;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The Cluster API objects of one cluster, checked against the providers' CRDs")
class CapiManifestsTest {
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final String ID = "pr-42-cks-backend";
    private static final String IP = "192.168.1.140";
    private static PkiBundle pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void issue() {
        pki = Fixtures.pki(ID, IP);
    }

    private static CapiManifests.Rendered render(Map<String, Object> section) {
        return new CapiManifests(Fixtures.settings(section)).render(ID, IP, "v1.30.6+k3s1", pki, Fixtures.labels(ID));
    }

    private static GenericKubernetesResource object(CapiManifests.Rendered r, String kind) {
        return r.objects().stream().filter(o -> o.getKind().equals(kind)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Object o, String... path) {
        Object cur = o instanceof GenericKubernetesResource g ? g.getAdditionalProperties() : o;
        for (String p : path) {
            cur = ((Map<String, Object>) cur).get(p);
        }
        return (Map<String, Object>) cur;
    }

    @Test
    @DisplayName("every object validates against the openAPIV3Schema of its CRD at the version we send")
    void everyObjectValidates() {
        CapiManifests.Rendered r = render(Fixtures.seed003());
        assertThat(r.objects()).extracting(GenericKubernetesResource::getKind)
                .containsExactly("ProxmoxMachineTemplate", "KThreesConfigTemplate", "ProxmoxCluster", "KThreesControlPlane", "Cluster");
        assertThat(r.objects()).extracting(GenericKubernetesResource::getApiVersion).containsExactly(
                "infrastructure.cluster.x-k8s.io/v1alpha2", "bootstrap.cluster.x-k8s.io/v1beta2", "infrastructure.cluster.x-k8s.io/v1alpha2",
                "controlplane.cluster.x-k8s.io/v1beta2", "cluster.x-k8s.io/v1beta2");
        for (GenericKubernetesResource o : r.objects()) {
            assertThat(CapiSchemas.validate(JSON.asJson(o))).as(o.getKind()).isEmpty();
        }
        // The same with a template selected by tags, storage, credentials and allowed nodes.
        Map<String, Object> other = Fixtures.seed003();
        other.remove("template-id");
        other.put("template-tags", List.of("k3s", "ubuntu-24.04"));
        other.put("storage", "local-lvm");
        other.put("credentials-secret", "proxmox-credentials");
        other.put("allowed-nodes", List.of("pve1", "pve2"));
        for (GenericKubernetesResource o : render(other).objects()) {
            assertThat(CapiSchemas.validate(JSON.asJson(o))).as(o.getKind()).isEmpty();
        }
    }

    @Test
    @DisplayName("the schemas catch what the providers require: spec.version, dnsServers, networkDevices, refs with apiGroup")
    void schemasCatchMissingRequiredFields() {
        CapiManifests.Rendered r = render(Fixtures.seed003());
        assertThat(broken(object(r, "KThreesControlPlane"), o -> at(o, "spec").remove("version"))).anyMatch(e -> e.contains("version"));
        assertThat(broken(object(r, "ProxmoxCluster"), o -> at(o, "spec").remove("dnsServers"))).anyMatch(e -> e.contains("dnsServers"));
        assertThat(broken(object(r, "ProxmoxMachineTemplate"), o -> at(o, "spec", "template", "spec", "network").remove("networkDevices")))
                .anyMatch(e -> e.contains("networkDevices"));
        assertThat(broken(object(r, "Cluster"), o -> at(o, "spec", "controlPlaneRef").remove("apiGroup"))).anyMatch(e -> e.contains("apiGroup"));
        assertThat(broken(object(r, "KThreesControlPlane"), o -> at(o, "spec", "machineTemplate").remove("infrastructureRef")))
                .anyMatch(e -> e.contains("infrastructureRef"));
    }

    private static List<String> broken(GenericKubernetesResource o, Consumer<GenericKubernetesResource> damage) {
        GenericKubernetesResource copy = JSON.unmarshal(JSON.asJson(o), GenericKubernetesResource.class);
        damage.accept(copy);
        return CapiSchemas.validate(JSON.asJson(copy));
    }

    @Test
    @DisplayName("seed 003: 4 CPU, 8 GiB, 20 GB, the leased endpoint outside the node addresses, v1beta2 refs, K3s pinned")
    void seed003Values() {
        CapiManifests.Rendered r = render(Fixtures.seed003());
        Map<String, Object> vm = at(object(r, "ProxmoxMachineTemplate"), "spec", "template", "spec");
        assertThat(vm).containsEntry("numSockets", 1).containsEntry("numCores", 4).containsEntry("memoryMiB", 8192)
                .containsEntry("templateID", 9000).containsEntry("sourceNode", "pve1").containsEntry("full", true);
        assertThat(at(vm, "disks", "bootVolume")).containsEntry("sizeGb", 20).containsEntry("disk", "scsi0");
        assertThat(at(object(r, "ProxmoxCluster"), "spec", "controlPlaneEndpoint")).containsEntry("host", IP).containsEntry("port", 6443);
        assertThat(at(object(r, "ProxmoxCluster"), "spec", "ipv4Config")).containsEntry("addresses", List.of("192.168.1.150-192.168.1.159"))
                .containsEntry("gateway", "192.168.1.1").containsEntry("prefix", 24);
        assertThat(at(object(r, "Cluster"), "spec", "controlPlaneEndpoint")).containsEntry("host", IP);
        assertThat(at(object(r, "Cluster"), "spec", "controlPlaneRef")).containsOnlyKeys("apiGroup", "kind", "name")
                .containsEntry("name", ID + "-control-plane");
        assertThat(at(object(r, "Cluster"), "spec", "infrastructureRef")).containsEntry("kind", "ProxmoxCluster").containsEntry("name", ID);
        Map<String, Object> kcp = at(object(r, "KThreesControlPlane"), "spec");
        assertThat(kcp).containsEntry("version", "v1.30.6+k3s1").containsEntry("replicas", 1);
        assertThat(at(kcp, "machineTemplate", "infrastructureRef")).containsEntry("apiVersion", "infrastructure.cluster.x-k8s.io/v1alpha2")
                .containsEntry("kind", "ProxmoxMachineTemplate").containsEntry("name", ID + "-control-plane");
        assertThat(at(kcp, "kthreesConfigSpec", "serverConfig")).containsEntry("tlsSan", List.of(IP));
        // Labels on every object, the namespace and every Secret.
        List<HasMetadata> all = new ArrayList<>(r.objects());
        all.addAll(r.secrets());
        all.add(r.namespace().orElseThrow());
        for (HasMetadata o : all) {
            assertThat(o.getMetadata().getLabels()).as(o.getKind() + " " + o.getMetadata().getName())
                    .containsEntry("ephemera.dev/cluster", ID).containsEntry("ephemera.dev/installation", "test");
        }
        assertThat(r.namespace().orElseThrow().getMetadata().getName()).isEqualTo("ephemera-" + ID);
    }

    @Test
    @DisplayName("with DNS configured the cluster's name joins the endpoint in K3s's tlsSan, and the control plane still validates")
    void dnsNameInTlsSan() {
        CapiManifests.Rendered r = new CapiManifests(Fixtures.settings(Fixtures.seed003())).render(ID, IP, "v1.30.6+k3s1", pki,
                Fixtures.labels(ID), java.util.Optional.of("pr-42-cks-backend.ephemeral.fullstack.pw"));
        GenericKubernetesResource kcp = object(r, "KThreesControlPlane");
        assertThat(at(at(kcp, "spec"), "kthreesConfigSpec", "serverConfig"))
                .containsEntry("tlsSan", List.of(IP, "pr-42-cks-backend.ephemeral.fullstack.pw"));
        assertThat(CapiSchemas.validate(JSON.asJson(kcp))).isEmpty();
    }

    @Test
    @DisplayName("our CAs go into the Secrets the K3s provider reads; the other K3s files come through files[].contentFrom.secret")
    void caSecretsAndFiles() {
        CapiManifests.Rendered r = render(Fixtures.seed003());
        Map<String, String> expected = Map.of(ID + "-ca", "server-ca", ID + "-cca", "client-ca", ID + "-etcd", "etcd/server-ca");
        expected.forEach((name, base) -> {
            var s = r.secrets().stream().filter(x -> x.getMetadata().getName().equals(name)).findFirst().orElseThrow();
            assertThat(s.getMetadata().getLabels()).containsEntry("cluster.x-k8s.io/cluster-name", ID);
            assertThat(s.getData()).containsOnlyKeys("tls.crt", "tls.key");
            assertThat(decode(s.getData().get("tls.crt"))).isEqualTo(pki.k3sTlsFiles().get(base + ".crt").content().reveal());
            assertThat(decode(s.getData().get("tls.key"))).isEqualTo(pki.k3sTlsFiles().get(base + ".key").content().reveal());
        });
        var extra = r.secrets().stream().filter(x -> x.getMetadata().getName().equals(ID + "-k3s-tls")).findFirst().orElseThrow();
        List<Map<String, Object>> files = (List<Map<String, Object>>) (Object) at(object(r, "KThreesControlPlane"), "spec", "kthreesConfigSpec")
                .get("files");
        List<String> paths = files.stream().map(f -> String.valueOf(f.get("path"))).toList();
        assertThat(paths).containsExactly(
                "/var/lib/rancher/k3s/server/tls/request-header-ca.crt", "/var/lib/rancher/k3s/server/tls/request-header-ca.key",
                "/var/lib/rancher/k3s/server/tls/etcd/peer-ca.crt", "/var/lib/rancher/k3s/server/tls/etcd/peer-ca.key",
                "/var/lib/rancher/k3s/server/tls/service.key", "/var/lib/rancher/k3s/agent/pod-manifests/kube-vip.yaml");
        for (Map<String, Object> f : files.subList(0, 5)) {
            Map<String, Object> ref = at(f, "contentFrom", "secret");
            assertThat(ref).containsEntry("name", ID + "-k3s-tls");
            String file = String.valueOf(f.get("path")).substring("/var/lib/rancher/k3s/server/tls/".length());
            assertThat(decode(extra.getData().get(String.valueOf(ref.get("key"))))).isEqualTo(pki.k3sTlsFiles().get(file).content().reveal());
            assertThat(f.get("permissions")).isEqualTo(file.endsWith(".key") ? "0600" : "0644");
        }
        // kube-vip: a static pod announcing the leased address, with a pinned image.
        Pod pod = JSON.unmarshal(String.valueOf(files.get(5).get("content")), Pod.class);
        assertThat(pod.getSpec().getHostNetwork()).isTrue();
        var c = pod.getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("ghcr.io/kube-vip/kube-vip:v0.8.7");
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("address");
            assertThat(e.getValue()).isEqualTo(IP);
        });
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("an endpoint inside the node addresses is refused before anything is sent (CAPMOX would refuse it)")
    void endpointInsideNodeAddressesIsRefused() {
        Map<String, Object> s = Fixtures.seed003();
        s.put("node-addresses", List.of("192.168.1.128/26"));
        assertThatThrownBy(() -> render(s)).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("192.168.1.140").hasMessageContaining("node-addresses");
    }

    @Test
    @DisplayName("kubectl apply --dry-run=client accepts every object (the Secrets and the namespace too)")
    void kubectlDryRunAcceptsThem() throws Exception {
        Optional<String> kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).map(Path::toString).findFirst();
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on the PATH");
        CapiManifests.Rendered r = render(Fixtures.seed003());
        StringBuilder yaml = new StringBuilder();
        List<HasMetadata> all = new ArrayList<>();
        all.add(r.namespace().orElseThrow());
        all.addAll(r.secrets());
        all.addAll(r.objects());
        for (HasMetadata o : all) {
            yaml.append("---\n").append(JSON.asYaml(o));
        }
        Path file = dir.resolve("cluster.yaml");
        Files.writeString(file, yaml);
        // kubectl maps kinds to resources by discovery even on the client side: fabric8's mock API with the CRDs loaded answers it.
        try (KubernetesCrudMock mock = KubernetesCrudMock.http()) {
            CapiStandIn.installCrds(mock.client());
            Discovery.serve(mock.server(), CapiSchemas.CRD_FILES.keySet().stream().filter(k -> !k.equals("DNSEndpoint"))
                    .map(CapiSchemas::crdFile).toList());
            Path kc = dir.resolve("kubeconfig");
            Files.writeString(kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: http://127.0.0.1:" + mock.port()
                    + "\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: nobody\ncurrent-context: mock\nusers:\n- name: nobody\n  user: {}\n");
            ProcessBuilder pb = new ProcessBuilder(kubectl.get(), "--kubeconfig", kc.toString(), "apply", "--dry-run=client", "--validate=false",
                    "-f", file.toString(), "-o", "name")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
            pb.environment().remove("KUBECONFIG");
            pb.environment().put("HOME", dir.toString());
            Process p = pb.start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("cluster.cluster.x-k8s.io/" + ID, "kthreescontrolplane.controlplane.cluster.x-k8s.io/" + ID + "-control-plane",
                    "proxmoxcluster.infrastructure.cluster.x-k8s.io/" + ID, "proxmoxmachinetemplate.infrastructure.cluster.x-k8s.io/" + ID
                            + "-control-plane", "kthreesconfigtemplate.bootstrap.cluster.x-k8s.io/" + ID + "-worker", "secret/" + ID + "-ca",
                    "namespace/ephemera-" + ID);
        }
    }
}
