package dev.ephemera.testkit.capi;

import dev.ephemera.testkit.fake.hetzner.FakeK3s;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Plays the Cluster API controllers (core, CAPMOX, the K3s control-plane provider) on fabric8's
 * mock API server, for tests: it watches Clusters and, for each new one,
 * <ul>
 *   <li>checks every object it references against the CRD schemas in {@code shared/specs/capi/}
 *       and the CEL rules that matter (endpoint outside {@code ipv4Config.addresses}, template id with its node);</li>
 *   <li>reads the CA Secrets {@code <cluster>-ca}, {@code -cca}, {@code -etcd} as cluster-api-k3s does
 *       (keys {@code tls.crt}/{@code tls.key}, label {@code cluster.x-k8s.io/cluster-name}), making a CA of its
 *       own for any that is missing, as the provider does (and noting it as a violation);</li>
 *   <li>resolves every {@code kthreesConfigSpec.files[].contentFrom.secret} and checks the kube-vip manifest names the endpoint;</li>
 *   <li>starts a {@link FakeK3s} at {@code controlPlaneEndpoint} serving with that server CA, trusting that client CA;</li>
 *   <li>writes {@code <cluster>-kubeconfig} (Opaque, key {@code value}) with an admin certificate signed by the client CA;</li>
 *   <li>sets the status: first {@code phase: Provisioned} with the conditions still False (which is not readiness), then
 *       {@code ControlPlaneAvailable}/{@code Available} True and the control plane's {@code ready}/{@code initialized}.</li>
 * </ul>
 * On delete (a deletion timestamp under its finalizer, or the object gone) it stops the K3s, deletes the
 * kubeconfig Secret, the control plane and the infrastructure cluster, as Cluster API does, and drops its finalizer.
 */
public final class CapiStandIn implements AutoCloseable {
    public static final String FINALIZER = "cluster.cluster.x-k8s.io";
    static final ResourceDefinitionContext CLUSTER = kind("cluster.x-k8s.io", "v1beta2", "Cluster", "clusters");
    static final ResourceDefinitionContext KCP = kind("controlplane.cluster.x-k8s.io", "v1beta2", "KThreesControlPlane", "kthreescontrolplanes");
    static final ResourceDefinitionContext KCT = kind("bootstrap.cluster.x-k8s.io", "v1beta2", "KThreesConfigTemplate", "kthreesconfigtemplates");
    static final ResourceDefinitionContext PC = kind("infrastructure.cluster.x-k8s.io", "v1alpha2", "ProxmoxCluster", "proxmoxclusters");
    static final ResourceDefinitionContext PMT = kind("infrastructure.cluster.x-k8s.io", "v1alpha2", "ProxmoxMachineTemplate",
            "proxmoxmachinetemplates");

    private final KubernetesClient client;
    private final URI workloadUpstream;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, FakeK3s> k3s = new ConcurrentHashMap<>();
    private final List<String> provisioned = new CopyOnWriteArrayList<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "capi-stand-in");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<GenericKubernetesResource> informer;

    private CapiStandIn(KubernetesClient client, URI workloadUpstream) {
        this.client = client;
        this.workloadUpstream = workloadUpstream;
    }

    /**
     * Loads the CRDs into the API behind {@code client} and starts watching Clusters.
     *
     * @param workloadUpstream where each fake K3s passes authenticated requests on (plain HTTP), or null
     */
    public static CapiStandIn start(KubernetesClient client, URI workloadUpstream) {
        installCrds(client);
        CapiStandIn s = new CapiStandIn(client, workloadUpstream);
        s.informer = client.genericKubernetesResources(CLUSTER).inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource c) {
                s.worker.execute(() -> s.reconcile(c.getMetadata().getNamespace(), c.getMetadata().getName()));
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource c) {
                s.worker.execute(() -> s.reconcile(c.getMetadata().getNamespace(), c.getMetadata().getName()));
            }

            @Override
            public void onDelete(GenericKubernetesResource c, boolean unknown) {
                s.worker.execute(() -> s.teardown(c.getMetadata().getNamespace(), c.getMetadata().getName()));
            }
        });
        return s;
    }

    /** Creates the five Cluster API CRDs of {@code shared/specs/capi/} in the API behind {@code client}. */
    public static void installCrds(KubernetesClient client) {
        for (String kind : List.of("Cluster", "KThreesControlPlane", "KThreesConfigTemplate", "ProxmoxCluster", "ProxmoxMachineTemplate")) {
            try (InputStream in = Files.newInputStream(CapiSchemas.crdFile(kind))) {
                var crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
                if (client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).get() == null) {
                    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the CRD of " + kind, e);
            }
        }
    }

    /** What Ephemera sent that the providers would refuse or misread; a test asserts it is empty. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** The fake K3s of a cluster, while it runs. */
    public Optional<FakeK3s> k3s(String namespace, String cluster) {
        return Optional.ofNullable(k3s.get(namespace + "/" + cluster));
    }

    /** Clusters this stand-in brought up, as {@code namespace/name}, in order. */
    public List<String> provisioned() {
        return List.copyOf(provisioned);
    }

    private void reconcile(String ns, String name) {
        try {
            GenericKubernetesResource cluster = client.genericKubernetesResources(CLUSTER).inNamespace(ns).withName(name).get();
            if (cluster == null) {
                teardown(ns, name);
                return;
            }
            if (cluster.getMetadata().getDeletionTimestamp() != null) {
                teardown(ns, name);
                client.genericKubernetesResources(CLUSTER).inNamespace(ns).withName(name).edit(c -> {
                    c.getMetadata().getFinalizers().remove(FINALIZER);
                    return c;
                });
                return;
            }
            if (k3s.containsKey(ns + "/" + name)) {
                return;
            }
            provision(ns, name, cluster);
        } catch (RuntimeException | IOException e) {
            violations.add(ns + "/" + name + ": the stand-in could not reconcile: " + e);
        }
    }

    private void provision(String ns, String name, GenericKubernetesResource cluster) throws IOException {
        String key = ns + "/" + name;
        check(cluster);
        Map<String, Object> spec = map(cluster.getAdditionalProperties().get("spec"));
        GenericKubernetesResource kcp = referenced(ns, KCP, map(spec.get("controlPlaneRef")), name);
        GenericKubernetesResource pc = referenced(ns, PC, map(spec.get("infrastructureRef")), name);
        if (kcp == null || pc == null) {
            return; // recorded; a real controller would wait
        }
        check(kcp);
        check(pc);
        Map<String, Object> kcpSpec = map(kcp.getAdditionalProperties().get("spec"));
        Map<String, Object> infraRef = map(map(kcpSpec.get("machineTemplate")).get("infrastructureRef"));
        if (!"infrastructure.cluster.x-k8s.io/v1alpha2".equals(infraRef.get("apiVersion")) || !"ProxmoxMachineTemplate".equals(infraRef.get("kind"))) {
            violations.add(key + ": machineTemplate.infrastructureRef must name a ProxmoxMachineTemplate by apiVersion, got " + infraRef);
        }
        GenericKubernetesResource pmt = client.genericKubernetesResources(PMT).inNamespace(ns).withName(String.valueOf(infraRef.get("name"))).get();
        if (pmt == null) {
            violations.add(key + ": ProxmoxMachineTemplate " + infraRef.get("name") + " is missing");
        } else {
            check(pmt);
            Map<String, Object> vm = map(map(map(pmt.getAdditionalProperties().get("spec")).get("template")).get("spec"));
            // CEL: has(self.templateSelector) || (has(self.templateID) && has(self.sourceNode))
            if (!vm.containsKey("templateSelector") && !(vm.containsKey("templateID") && vm.containsKey("sourceNode"))) {
                violations.add(key + ": ProxmoxMachineTemplate needs templateSelector, or templateID with sourceNode");
            }
        }
        for (GenericKubernetesResource t : client.genericKubernetesResources(KCT).inNamespace(ns).withLabel("cluster.x-k8s.io/cluster-name", name)
                .list().getItems()) {
            check(t);
        }

        Map<String, Object> endpoint = map(spec.get("controlPlaneEndpoint"));
        Map<String, Object> pcSpec = map(pc.getAdditionalProperties().get("spec"));
        Map<String, Object> pcEndpoint = map(pcSpec.get("controlPlaneEndpoint"));
        String host = String.valueOf(pcEndpoint.getOrDefault("host", endpoint.get("host")));
        int port = Integer.parseInt(String.valueOf(pcEndpoint.getOrDefault("port", endpoint.getOrDefault("port", 6443))));
        if (!endpoint.isEmpty() && !(host.equals(String.valueOf(endpoint.get("host"))) && port == Integer.parseInt(String.valueOf(endpoint.get("port"))))) {
            violations.add(key + ": Cluster and ProxmoxCluster name different endpoints: " + endpoint + " vs " + pcEndpoint);
        }
        for (Object range : list(map(pcSpec.get("ipv4Config")).get("addresses"))) {
            if (inRange(host, String.valueOf(range))) {
                violations.add(key + ": the endpoint " + host + " lies inside ipv4Config.addresses " + range + " (CAPMOX refuses it)");
            }
        }

        // The K3s provider's CAs: ours if the Secrets are there, else its own.
        String[] serverCa = caPair(ns, name, "ca", key);
        String[] clientCa = caPair(ns, name, "cca", key);
        caPair(ns, name, "etcd", key);
        Map<String, Object> config = map(kcpSpec.get("kthreesConfigSpec"));
        List<String> sans = new ArrayList<>();
        for (Object s : list(map(config.get("serverConfig")).get("tlsSan"))) {
            sans.add(String.valueOf(s));
        }
        if (!sans.contains(host)) {
            violations.add(key + ": serverConfig.tlsSan " + sans + " lacks the endpoint " + host);
        }
        checkFiles(ns, key, host, list(config.get("files")));

        client.genericKubernetesResources(CLUSTER).inNamespace(ns).withName(name).edit(c -> {
            if (!c.getMetadata().getFinalizers().contains(FINALIZER)) {
                c.getMetadata().getFinalizers().add(FINALIZER);
            }
            return c;
        });
        setClusterStatus(ns, name, false);
        String version = String.valueOf(kcpSpec.get("version"));
        FakeK3s server = FakeK3s.start(host, port, serverCa[0], serverCa[1], clientCa[0], sans, version, workloadUpstream);
        k3s.put(key, server);
        provisioned.add(key);
        String kubeconfig = AdminKubeconfig.render(name, "https://" + host + ":" + port, serverCa[0], clientCa[0], clientCa[1]);
        Secret kc = new SecretBuilder().withNewMetadata().withName(name + "-kubeconfig").withNamespace(ns)
                .addToLabels("cluster.x-k8s.io/cluster-name", name).endMetadata()
                .withType("Opaque").addToData("value", b64(kubeconfig)).build();
        client.secrets().inNamespace(ns).resource(kc).createOr(existing -> existing.update());
        client.genericKubernetesResources(KCP).inNamespace(ns).withName(kcp.getMetadata().getName()).editStatus(o -> {
            o.getAdditionalProperties().put("status", new LinkedHashMap<>(Map.of("ready", true, "initialized", true, "replicas", 1,
                    "readyReplicas", 1, "version", version)));
            return o;
        });
        setClusterStatus(ns, name, true);
    }

    private void setClusterStatus(String ns, String name, boolean available) {
        String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        String st = available ? "True" : "False";
        String reason = available ? "Available" : "NotAvailable";
        List<Object> conditions = new ArrayList<>();
        for (String type : List.of("InfrastructureReady", "ControlPlaneInitialized", "ControlPlaneAvailable", "Available")) {
            boolean t = available || type.equals("InfrastructureReady");
            conditions.add(new LinkedHashMap<>(Map.of("type", type, "status", t ? "True" : st, "reason", t ? "Ready" : reason,
                    "message", t ? "" : "waiting for the control plane", "lastTransitionTime", now)));
        }
        client.genericKubernetesResources(CLUSTER).inNamespace(ns).withName(name).editStatus(o -> {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("phase", "Provisioned");
            status.put("conditions", conditions);
            status.put("initialization", Map.of("infrastructureProvisioned", true, "controlPlaneInitialized", available));
            o.getAdditionalProperties().put("status", status);
            return o;
        });
    }

    private GenericKubernetesResource referenced(String ns, ResourceDefinitionContext kind, Map<String, Object> ref, String cluster) {
        if (!kind.getGroup().equals(ref.get("apiGroup")) || !kind.getKind().equals(ref.get("kind"))) {
            violations.add(ns + "/" + cluster + ": reference " + ref + " should name " + kind.getGroup() + " " + kind.getKind());
            return null;
        }
        GenericKubernetesResource o = client.genericKubernetesResources(kind).inNamespace(ns).withName(String.valueOf(ref.get("name"))).get();
        if (o == null) {
            violations.add(ns + "/" + cluster + ": " + kind.getKind() + " " + ref.get("name") + " does not exist when the Cluster does");
        }
        return o;
    }

    private void check(GenericKubernetesResource o) {
        for (String v : CapiSchemas.validate(client.getKubernetesSerialization().asJson(o))) {
            violations.add(o.getMetadata().getNamespace() + ": " + v);
        }
    }

    /** The provider's reading of {@code <cluster>-<suffix>}: {cert, key}, or a CA of its own when the Secret is missing. */
    private String[] caPair(String ns, String cluster, String suffix, String key) {
        Secret s = client.secrets().inNamespace(ns).withName(cluster + "-" + suffix).get();
        if (s == null || s.getData() == null || !s.getData().containsKey("tls.crt") || !s.getData().containsKey("tls.key")) {
            violations.add(key + ": Secret " + cluster + "-" + suffix + " with tls.crt and tls.key is missing; the provider makes its own CA");
            return ownCa(cluster + "-" + suffix);
        }
        Map<String, String> labels = s.getMetadata().getLabels() == null ? Map.of() : s.getMetadata().getLabels();
        if (!cluster.equals(labels.get("cluster.x-k8s.io/cluster-name"))) {
            violations.add(key + ": Secret " + cluster + "-" + suffix + " lacks the label cluster.x-k8s.io/cluster-name=" + cluster);
        }
        String crt = unb64(s.getData().get("tls.crt"));
        String k = unb64(s.getData().get("tls.key"));
        if (!AdminKubeconfig.matches(crt, k)) {
            violations.add(key + ": Secret " + cluster + "-" + suffix + " holds a key that is not the certificate's");
        }
        return new String[] {crt, k};
    }

    private static String[] ownCa(String name) {
        try {
            var g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            var kp = g.generateKeyPair();
            var x500 = new org.bouncycastle.asn1.x500.X500Name("CN=" + name + "@provider");
            Instant now = Instant.now();
            var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(x500, java.math.BigInteger.valueOf(now.toEpochMilli()),
                    java.util.Date.from(now.minusSeconds(3600)), java.util.Date.from(now.plusSeconds(86400 * 365L)), x500, kp.getPublic());
            b.addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(true));
            var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                    .getCertificate(b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            java.io.StringWriter c = new java.io.StringWriter();
            try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(c)) {
                w.writeObject(cert);
            }
            java.io.StringWriter k = new java.io.StringWriter();
            try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(k)) {
                w.writeObject(kp.getPrivate());
            }
            return new String[] {c.toString(), k.toString()};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void checkFiles(String ns, String key, String endpoint, List<Object> files) {
        boolean kubeVip = false;
        for (Object f : files) {
            Map<String, Object> file = map(f);
            String path = String.valueOf(file.get("path"));
            Map<String, Object> secretRef = map(map(file.get("contentFrom")).get("secret"));
            String content = null;
            if (!secretRef.isEmpty()) {
                Secret s = client.secrets().inNamespace(ns).withName(String.valueOf(secretRef.get("name"))).get();
                if (s == null || s.getData() == null || !s.getData().containsKey(String.valueOf(secretRef.get("key")))) {
                    violations.add(key + ": file " + path + " comes from Secret " + secretRef + ", which does not exist or lacks the key");
                    continue;
                }
                content = unb64(s.getData().get(String.valueOf(secretRef.get("key"))));
            } else if (file.get("content") != null) {
                content = String.valueOf(file.get("content"));
            }
            if (path.endsWith(".key") && !"0600".equals(file.get("permissions"))) {
                violations.add(key + ": key file " + path + " must be 0600, is " + file.get("permissions"));
            }
            if (path.endsWith("pod-manifests/kube-vip.yaml")) {
                kubeVip = true;
                if (content == null || !content.contains(endpoint)) {
                    violations.add(key + ": the kube-vip manifest does not announce the endpoint " + endpoint);
                }
            }
        }
        if (!kubeVip) {
            violations.add(key + ": no kube-vip static manifest in kthreesConfigSpec.files; nothing would announce " + endpoint);
        }
    }

    private void teardown(String ns, String name) {
        FakeK3s server = k3s.remove(ns + "/" + name);
        if (server != null) {
            server.close();
        }
        try {
            client.secrets().inNamespace(ns).withName(name + "-kubeconfig").delete();
            client.genericKubernetesResources(KCP).inNamespace(ns).withLabel("cluster.x-k8s.io/cluster-name", name).delete();
            client.genericKubernetesResources(PC).inNamespace(ns).withName(name).delete();
        } catch (KubernetesClientException e) {
            violations.add(ns + "/" + name + ": the stand-in could not clean up: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        worker.shutdownNow();
        k3s.values().forEach(FakeK3s::close);
        k3s.clear();
    }

    private static boolean inRange(String ip, String range) {
        long a = ip(ip);
        if (range.contains("-")) {
            String[] e = range.split("-", 2);
            return a >= ip(e[0].trim()) && a <= ip(e[1].trim());
        }
        if (range.contains("/")) {
            String[] p = range.split("/", 2);
            int bits = Integer.parseInt(p[1].trim());
            long mask = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
            return (a & mask) == (ip(p[0].trim()) & mask);
        }
        return a == ip(range.trim());
    }

    private static long ip(String s) {
        long v = 0;
        for (String p : s.split("\\.")) {
            v = (v << 8) | Integer.parseInt(p);
        }
        return v;
    }

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind).withPlural(plural)
                .withNamespaced(true).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
