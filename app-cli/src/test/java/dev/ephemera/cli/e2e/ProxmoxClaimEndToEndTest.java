package dev.ephemera.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephemera.cli.EphemeraCli;
import dev.ephemera.testkit.capi.CapiStandIn;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "done when", in-process: {@code ephemera cluster create} on the {@code proxmox-capi}
 * backend against fabric8's mock API server as the management cluster (CRUD mode, the Cluster API
 * CRDs loaded), with the testkit's stand-in for the Cluster API controllers, which starts a fake
 * K3s at the leased endpoint with the CAs it finds in our Secrets, in front of a second mock API
 * (the workload cluster) with a token controller. The pool's loopback addresses
 * 127.0.1.140-149 stand in for seed 003's 192.168.1.140-149.
 */
@DisplayName("ephemera cluster create/delete on proxmox-capi, end to end against a mock management cluster")
class ProxmoxClaimEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String ID = "pr-42-cks-backend";
    private static final String NS = "ephemera-" + ID;
    private static final String SERVICE_ACCOUNTS = "/api/v1/namespaces/ephemera-ci/serviceaccounts";

    @TempDir
    Path dir;
    private KubernetesCrudMock management;
    private MockKubernetesApi workload;
    private CapiStandIn capi;
    private TokenController tokens;
    private Path config;
    private final Map<String, String> env = new HashMap<>();
    private int apiPort;

    @BeforeEach
    void start() throws IOException {
        management = KubernetesCrudMock.http();
        workload = new MockKubernetesApi();
        capi = CapiStandIn.start(management.client(), workload.uri());
        tokens = new TokenController(workload, this::lastServerCa);
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.1.140"))) {
            apiPort = probe.getLocalPort();
        }
        Path mgmtKubeconfig = dir.resolve("tools.kubeconfig");
        Files.writeString(mgmtKubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: tools\n  cluster:\n    server: http://127.0.0.1:"
                + management.port() + "\ncontexts:\n- name: tools\n  context:\n    cluster: tools\n    user: ephemera\ncurrent-context: tools\n"
                + "users:\n- name: ephemera\n  user:\n    token: management-token\n");
        config = dir.resolve("ephemera.yaml");
        Files.writeString(config, """
                backend: proxmox-capi
                installation: e2e
                policies:
                  max-concurrent: 20
                proxmox-capi:
                  kubeconfig: %s
                  context: tools
                  source-node: pve1
                  template-id: 9000
                  gateway: 127.0.1.1
                  prefix: 24
                  dns-servers: [127.0.0.53]
                  node-addresses: [127.0.1.150-127.0.1.159]
                  lease-pool: proxmox
                  api-port: %d
                  destroy-timeout: 1m
                """.formatted(mgmtKubeconfig, apiPort), StandardCharsets.UTF_8);
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("HOME", dir.resolve("home").toString());
        env.put("PWD", dir.toString());
        env.put("EPHEMERA_SQLITE_PATH", dir.resolve("state/ephemera/ephemera.db").toString());
        env.put("EPHEMERA_FILE_DIRECTORY", dir.resolve("state/ephemera/secrets").toString());
        Cli pool = ephemera("pool", "create", "proxmox", "--range", "127.0.1.140-127.0.1.149");
        assertThat(pool.exit()).as(pool.err()).isZero();
    }

    /** The server CA of the newest fake K3s: what a real K3s puts into token Secrets as {@code ca.crt}. */
    private String lastServerCa() {
        List<String> up = capi.provisioned();
        for (int i = up.size() - 1; i >= 0; i--) {
            String[] nsName = up.get(i).split("/", 2);
            var k = capi.k3s(nsName[0], nsName[1]);
            if (k.isPresent()) {
                return World.pem(k.get().servingCa());
            }
        }
        throw new IllegalStateException("no fake K3s is running");
    }

    @AfterEach
    void stop() {
        try {
            assertThat(capi.violations()).as("what the Cluster API providers would refuse or misread").isEmpty();
        } finally {
            tokens.close();
            capi.close();
            workload.close();
            management.close();
        }
    }

    record Cli(int exit, String out, String err) {
    }

    private Cli ephemera(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = EphemeraCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env, Optional.empty(), false);
        return new Cli(exit, out.toString(), err.toString());
    }

    private List<String> leases() throws IOException {
        Cli list = ephemera("pool", "list", "--pool", "proxmox", "--output", "json");
        assertThat(list.exit()).as(list.err()).isZero();
        List<String> out = new ArrayList<>();
        JsonNode n = JSON.readTree(list.out());
        (n.isArray() ? n : n.path("leases")).forEach(l -> out.add(l.path("holder").asText() + "=" + l.path("address").asText()));
        return out;
    }

    @Test
    @DisplayName("create reaches Ready on the pool's first address, kubectl works with the CI kubeconfig; delete removes every object and Secret and frees the lease")
    void claimToReadyThenDelete() throws Exception {
        Path kc = dir.resolve("kc.yaml");

        Cli create = ephemera("cluster", "create", ID, "--backend", "proxmox-capi", "--owner", "fullstack-pw/cks-backend#42", "--wait",
                "--timeout", "3m", "--kubeconfig-out", kc.toString(), "--output", "json");

        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode created = JSON.readTree(create.out());
        assertThat(created.path("phase").asText()).isEqualTo("Ready");
        String endpoint = "https://127.0.1.140:" + apiPort;
        assertThat(created.path("endpoint").path("apiUrl").asText()).isEqualTo(endpoint);
        assertThat(created.path("lease").path("address").asText()).isEqualTo("127.0.1.140");
        assertThat(leases()).containsExactly(ID + "=127.0.1.140");

        // What the management cluster holds: our CAs in the provider's Secrets, the five objects, all labelled.
        KubernetesClient m = management.client();
        for (String s : List.of(ID + "-ca", ID + "-cca", ID + "-etcd", ID + "-k3s-tls")) {
            assertThat(m.secrets().inNamespace(NS).withName(s).get().getMetadata().getLabels())
                    .containsEntry("ephemera.dev/cluster", ID).containsEntry("ephemera.dev/installation", "e2e")
                    .containsEntry("cluster.x-k8s.io/cluster-name", ID);
        }
        var cluster = m.genericKubernetesResources("cluster.x-k8s.io/v1beta2", "Cluster").inNamespace(NS).withName(ID).get();
        assertThat(cluster.getMetadata().getLabels()).containsEntry("ephemera.dev/installation", "e2e");
        assertThat(capi.provisioned()).containsExactly(NS + "/" + ID);

        // The CI kubeconfig: the leased endpoint, our server CA (the one in the provider's -ca Secret), the minted token.
        JsonNode parsed = YAML.readTree(Files.readString(kc));
        assertThat(parsed.at("/clusters/0/cluster/server").asText()).isEqualTo(endpoint);
        String ca = new String(Base64.getDecoder().decode(parsed.at("/clusters/0/cluster/certificate-authority-data").asText()), StandardCharsets.UTF_8);
        String ours = new String(Base64.getDecoder().decode(m.secrets().inNamespace(NS).withName(ID + "-ca").get().getData().get("tls.crt")),
                StandardCharsets.UTF_8);
        assertThat(ca.strip()).isEqualTo(ours.strip());
        assertThat(tokens.tokens).hasSize(1);
        assertThat(parsed.at("/users/0/user/token").asText()).isEqualTo(tokens.tokens.get(0));

        Optional<String> kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).map(Path::toString).findFirst();
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on the PATH: the rest needs it");
        String[] run = kubectl(kubectl.get(), "--kubeconfig", kc.toString(), "get", "--raw", SERVICE_ACCOUNTS);
        assertThat(run[0]).as(run[1]).isEqualTo("0");
        List<String> names = new ArrayList<>();
        JSON.readTree(run[1]).path("items").forEach(i -> names.add(i.at("/metadata/name").asText()));
        assertThat(names).containsExactly("ephemera-ci");
        assertThat(workload.requestsTo(SERVICE_ACCOUNTS)).anySatisfy(e -> {
            assertThat(e.userAgent()).startsWith("kubectl");
            assertThat(e.authorization()).isEqualTo("Bearer " + tokens.tokens.get(0));
        });

        Cli delete = ephemera("cluster", "delete", ID, "--wait", "--timeout", "3m", "--output", "json");

        assertThat(delete.exit()).as(delete.err()).isZero();
        assertThat(JSON.readTree(delete.out()).path("phase").asText()).isEqualTo("Deleted");
        for (String[] kind : List.of(new String[] {"cluster.x-k8s.io/v1beta2", "Cluster"},
                new String[] {"controlplane.cluster.x-k8s.io/v1beta2", "KThreesControlPlane"},
                new String[] {"bootstrap.cluster.x-k8s.io/v1beta2", "KThreesConfigTemplate"},
                new String[] {"infrastructure.cluster.x-k8s.io/v1alpha2", "ProxmoxCluster"},
                new String[] {"infrastructure.cluster.x-k8s.io/v1alpha2", "ProxmoxMachineTemplate"})) {
            assertThat(m.genericKubernetesResources(kind[0], kind[1]).inAnyNamespace().list().getItems()).as(kind[1] + " left").isEmpty();
        }
        assertThat(m.secrets().inAnyNamespace().list().getItems()).as("Secrets left").isEmpty();
        assertThat(m.namespaces().withName(NS).get()).as("namespace left").isNull();
        assertThat(capi.k3s(NS, ID)).as("K3s still running").isEmpty();
        assertThat(leases()).as("the lease is freed").isEmpty();
    }

    @Test
    @DisplayName("ten claims take the pool's ten addresses; the eleventh exits 5 (pool exhausted) and leaves nothing on the management cluster")
    void eleventhClaimFindsThePoolExhausted() throws Exception {
        for (int i = 1; i <= 10; i++) {
            Cli c = ephemera("cluster", "create", "pr-" + i + "-cks-backend", "--backend", "proxmox-capi", "--wait", "--timeout", "3m", "--output", "json");
            assertThat(c.exit()).as("claim %d: %s", i, c.err()).isZero();
        }
        assertThat(leases()).hasSize(10);
        assertThat(capi.provisioned()).hasSize(10);

        Cli eleventh = ephemera("cluster", "create", "pr-11-cks-backend", "--backend", "proxmox-capi", "--wait", "--timeout", "1m", "--output", "json");

        assertThat(eleventh.exit()).as(eleventh.err()).isEqualTo(5);
        assertThat(eleventh.err()).contains("proxmox");
        assertThat(management.client().namespaces().withName("ephemera-pr-11-cks-backend").get()).isNull();
        assertThat(capi.provisioned()).hasSize(10);
    }

    @Test
    @DisplayName("a claim with --size is refused: the VM shape comes from the settings; the lease is given back and nothing is made")
    void sizeIsRefused() throws Exception {
        Cli create = ephemera("cluster", "create", "pr-7-cks-backend", "--backend", "proxmox-capi", "--size", "cpx31", "--wait",
                "--timeout", "1m", "--output", "json");

        assertThat(create.exit()).as(create.out() + create.err()).isEqualTo(2);
        assertThat(create.err()).contains("--size");
        assertThat(management.client().secrets().inAnyNamespace().list().getItems()).isEmpty();
        assertThat(management.client().genericKubernetesResources("cluster.x-k8s.io/v1beta2", "Cluster").inAnyNamespace().list().getItems())
                .isEmpty();
        assertThat(leases()).isEmpty();
    }

    /** {exit code, stdout + stderr} of kubectl run with nothing of the developer's own set-up. */
    private String[] kubectl(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", dir.resolve("home").toString());
        Path out = Files.createTempFile(dir, "kubectl", ".out");
        Path err = Files.createTempFile(dir, "kubectl", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60 s");
        }
        return new String[] {String.valueOf(p.exitValue()), p.exitValue() == 0 ? Files.readString(out) : Files.readString(err)};
    }
}
