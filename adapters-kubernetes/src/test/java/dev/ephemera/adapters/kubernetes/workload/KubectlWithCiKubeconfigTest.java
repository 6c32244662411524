package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ephemera.domain.kubeconfig.KubeUser;
import dev.ephemera.domain.kubeconfig.Kubeconfig;
import dev.ephemera.domain.kubeconfig.KubeconfigYaml;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import io.fabric8.kubernetes.api.model.ServiceAccountList;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end of the chain as CI sees it: the token and {@code ca.crt} that bootstrap returns,
 * rendered by the domain's kubeconfig writer, read by the real {@code kubectl}, which verifies the
 * API server against the CA and sends the token. {@code get --raw} skips discovery, which the
 * CRUD mock cannot answer for kubectl (DESIGN §7).
 */
@DisplayName("kubectl with the CI kubeconfig made from bootstrap's token")
class KubectlWithCiKubeconfigTest {
    private static final String PATH = "/api/v1/namespaces/ephemera-ci/serviceaccounts";

    @TempDir
    Path dir;
    private String kubectl;
    private MockCluster cluster;
    private TokenController controller;
    private KubernetesWorkloadClusters workload;

    @BeforeEach
    void start() {
        kubectl = onPath("kubectl").orElse(null);
        assumeTrue(kubectl != null, "kubectl is not on PATH (Debian package kubectl); this test runs the real kubectl against the mock API server");
        cluster = new MockCluster();
        controller = new TokenController(cluster.client(), cluster.caPem(), 0);
        workload = new KubernetesWorkloadClusters(new WorkloadSettings(Duration.ofSeconds(20), Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        if (workload != null) {
            workload.close();
            controller.close();
            cluster.close();
        }
    }

    @Test
    @DisplayName("lists the CI service account, verifying the server against ca.crt and sending the token")
    void listsTheServiceAccount() throws Exception {
        CiCredentials creds = workload.bootstrap(cluster.admin(), CiAccount.defaults());
        Path kubeconfig = write(new Kubeconfig("pr-42-shop", cluster.uri(), creds.caPem(), new KubeUser.Token(creds.token()), Optional.empty()));
        cluster.drainRequests();

        Run run = kubectl("--kubeconfig", kubeconfig.toString(), "get", "--raw", PATH);

        assertThat(run.exit).as("kubectl failed: %s", run.stderr).isZero();
        ServiceAccountList list = cluster.client().getKubernetesSerialization().unmarshal(run.stdout, ServiceAccountList.class);
        assertThat(list.getItems()).extracting(sa -> sa.getMetadata().getName()).containsExactly("ephemera-ci");
        List<RecordedRequest> seen = cluster.drainRequests();
        assertThat(seen).anySatisfy(r -> {
            assertThat(r.getPath()).isEqualTo(PATH);
            assertThat(r.getHeader("User-Agent")).startsWith("kubectl");
            assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + creds.token().reveal());
        });
    }

    @Test
    @DisplayName("refuses the server when the kubeconfig carries another CA, so the CA check above is real")
    void refusesAnotherCa() throws Exception {
        CiCredentials creds = workload.bootstrap(cluster.admin(), CiAccount.defaults());
        String otherCa = TestPki.ca("not-the-cluster-ca", TestPki.Alg.EC).certPem();
        Path kubeconfig = write(new Kubeconfig("pr-42-shop", cluster.uri(), otherCa, new KubeUser.Token(creds.token()), Optional.empty()));

        Run run = kubectl("--kubeconfig", kubeconfig.toString(), "get", "--raw", PATH);

        assertThat(run.exit).isNotZero();
        assertThat(run.stderr).contains("certificate");
    }

    private Path write(Kubeconfig k) throws IOException {
        Path f = dir.resolve("kubeconfig-" + System.nanoTime());
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, KubeconfigYaml.render(k).reveal(), StandardCharsets.UTF_8);
        return f;
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private Run kubectl(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(kubectl), Stream.of(args)).toList())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        // Nothing of the developer's own kubectl setup may take part.
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60 s: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Optional<String> onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, tool)).filter(Files::isExecutable).map(Path::toString).findFirst();
    }
}
