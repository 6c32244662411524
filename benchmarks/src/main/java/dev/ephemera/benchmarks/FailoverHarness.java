package dev.ephemera.benchmarks;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.server.EphemeraServer;
import dev.ephemera.server.ServerSettings;
import dev.ephemera.testkit.kubernetes.KubectlOnMock;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Failover of the leader, with real processes: fabric8's mock API server (CRUD mode, the
 * EphemeralCluster CRD) in this JVM, two Ephemera servers as child JVMs configured as
 * deploy/ephemera configures them (state, store, Lease and claims on that API; lease-duration and
 * step-lease 15 s), an EphemeralCluster on a backend whose servers boot in 3 s. Once the object
 * is Provisioning, the leader's process is killed with SIGKILL; the harness measures when the
 * other process holds the Lease and when the object is Ready.
 *
 * <pre>benchmarks/run FailoverHarness [rounds] [lease-seconds]</pre>
 *
 * Each child keeps its backend in its own memory, so the new leader makes the server again and
 * waits its 3 s boot: the "one server made" check is EphemeralClusterObjectsTest's, not this one's.
 */
public final class FailoverHarness {
    private static final ResourceDefinitionContext EC = new ResourceDefinitionContext.Builder().withGroup("ephemera.dev")
            .withVersion("v1alpha1").withKind("EphemeralCluster").withPlural("ephemeralclusters").withNamespaced(true).build();

    /** Held so the setting sticks: the mock logs every request at INFO, which would drown the figures. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private FailoverHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("node")) {
            node(Path.of(args[1]));
            return;
        }
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int lease = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Path root = Files.createTempDirectory("ephemera-failover");
        System.out.printf("lease-duration %ds, step-lease %ds, boot 3s, %d rounds%n", lease, lease, rounds);
        for (int r = 1; r <= rounds; r++) {
            round(root.resolve("round-" + r), r, lease);
        }
    }

    private static void round(Path dir, int round, int lease) throws Exception {
        Files.createDirectories(dir);
        try (KubernetesCrudMock mock = KubernetesCrudMock.http()) {
            var crds = mock.client().apiextensions().v1().customResourceDefinitions();
            try (InputStream in = Files.newInputStream(repoDir().resolve("deploy/crds/ephemeralclusters.ephemera.dev.yaml"))) {
                CustomResourceDefinition crd = crds.load(in).item();
                crds.resource(crd).create();
            }
            Process a = spawn(mock, dir, "a", lease);
            Process b = spawn(mock, dir, "b", lease);
            try {
                await("a leader (both children started)", Duration.ofMinutes(5), () -> holder(mock).isPresent());
                String leader = holder(mock).orElseThrow();
                Process leaderProcess = leader.equals("a") ? a : b;
                String other = leader.equals("a") ? "b" : "a";
                mock.client().genericKubernetesResources(EC).inNamespace("ci").resource(new GenericKubernetesResourceBuilder()
                        .withApiVersion("ephemera.dev/v1alpha1").withKind("EphemeralCluster")
                        .withNewMetadata().withName("pr-" + round).withNamespace("ci").endMetadata()
                        .addToAdditionalProperties("spec", Map.of("backend", "booting", "ttl", "1h")).build()).create();
                await("Provisioning", Duration.ofMinutes(3), () -> "Provisioning".equals(phase(mock, "pr-" + round)));

                long killed = System.nanoTime();
                leaderProcess.destroyForcibly(); // SIGKILL
                leaderProcess.waitFor(10, TimeUnit.SECONDS);
                await("the other process leads", Duration.ofSeconds(120), () -> holder(mock).filter(other::equals).isPresent());
                long led = System.nanoTime();
                await("Ready", Duration.ofSeconds(180), () -> "Ready".equals(phase(mock, "pr-" + round)));
                long ready = System.nanoTime();
                System.out.printf("round %d: killed %s; %s held the Lease after %d ms; the object was Ready %d ms after the kill%n",
                        round, leader, other, TimeUnit.NANOSECONDS.toMillis(led - killed), TimeUnit.NANOSECONDS.toMillis(ready - killed));
            } finally {
                a.destroyForcibly();
                b.destroyForcibly();
                a.waitFor(10, TimeUnit.SECONDS);
                b.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Optional<String> holder(KubernetesCrudMock mock) {
        Lease l = mock.client().leases().inNamespace("ephemera").withName("default-leader").get();
        return l == null || l.getSpec() == null ? Optional.empty() : Optional.ofNullable(l.getSpec().getHolderIdentity());
    }

    @SuppressWarnings("unchecked")
    private static String phase(KubernetesCrudMock mock, String name) {
        GenericKubernetesResource r = mock.client().genericKubernetesResources(EC).inNamespace("ci").withName(name).get();
        Object s = r == null ? null : r.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? String.valueOf(((Map<String, Object>) m).get("phase")) : "";
    }

    private static void await(String what, Duration deadline, BooleanSupplier done) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not within " + deadline + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static Process spawn(KubernetesCrudMock mock, Path dir, String name, int lease) throws Exception {
        Path own = Files.createDirectories(dir.resolve(name));
        Path kubeconfig = own.resolve("kubeconfig");
        Files.writeString(kubeconfig, KubectlOnMock.kubeconfigText(mock, "ci"));
        Files.writeString(own.resolve("ephemera.yaml"), """
                backend: booting
                workload: in-memory
                state: kubernetes
                store: kubernetes
                sinks: file
                file:
                  directory: %s
                kubernetes:
                  kubeconfig: %s
                  store-namespace: ephemera
                  lease-duration: %ds
                  identity: %s
                server:
                  claims: kubernetes
                  leadership: kubernetes
                  step-lease: %ds
                """.formatted(own.resolve("secrets"), kubeconfig, lease, name, lease));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), FailoverHarness.class.getName(), "node",
                own.toString())).redirectErrorStream(true).redirectOutput(own.resolve("log").toFile()).start();
    }

    /** A child: one Ephemera server until killed. */
    private static void node(Path dir) throws Exception {
        Path cfg = dir.resolve("ephemera.yaml");
        Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)), AdapterRegistry.discover());
        EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1 << 20, Optional.empty(),
                Duration.ofSeconds(5), Duration.ZERO, List.of()));
        server.start();
        Thread.currentThread().join(); // until SIGKILL
    }

    private static Path repoDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("run from the repository (deploy/crds not found above " + Path.of("").toAbsolutePath() + ")");
    }
}
