package dev.ephemera.server;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.testkit.kubernetes.KubectlOnMock;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ephemera servers as deploy/ephemera runs them — state, store, leader election and claims on the
 * Kubernetes API — against fabric8's mock API server in CRUD mode with the EphemeralCluster CRD
 * from deploy/crds installed, each server through a {@link LoopbackProxy} of its own so a test can
 * make one vanish from the API as a killed process would. Backend: {@link HeldBackendFactory}.
 */
final class ClaimServers implements AutoCloseable {
    static final List<KubectlOnMock.Kind> KINDS = List.of(
            KubectlOnMock.Kind.of("ephemera.dev/v1alpha1", "ephemeralclusters", "EphemeralCluster", true, "ec"),
            KubectlOnMock.Kind.of("v1", "secrets", "Secret", true),
            KubectlOnMock.Kind.of("v1", "configmaps", "ConfigMap", true, "cm"),
            KubectlOnMock.Kind.of("coordination.k8s.io/v1", "leases", "Lease", true));

    /** One server process: its Ephemera, its HTTP server, and the relay it reaches the API through. */
    record Server(String name, Ephemera ephemera, EphemeraServer server, LoopbackProxy proxy) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            ephemera.close();
            proxy.close();
        }
    }

    final KubernetesCrudMock mock = KubernetesCrudMock.http();
    final KubectlOnMock kubectl;
    private final Path dir;
    private final Duration leaseDuration;
    private final List<Server> servers = new ArrayList<>();

    ClaimServers(Path dir, Duration leaseDuration) throws IOException {
        this.dir = dir;
        this.leaseDuration = leaseDuration;
        HeldBackendFactory.BACKEND.reset();
        try (InputStream in = Files.newInputStream(repoDir().resolve("deploy/crds/ephemeralclusters.ephemera.dev.yaml"))) {
            var crds = mock.client().apiextensions().v1().customResourceDefinitions();
            CustomResourceDefinition crd = crds.load(in).item();
            crds.resource(crd).create();
        }
        kubectl = KubectlOnMock.on(mock, dir, "ci", KINDS);
    }

    static Path repoDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository's deploy/crds above " + Path.of("").toAbsolutePath());
    }

    /** Starts one more server process (in this JVM, with clients, driver and elector of its own). */
    Server start(String name) throws IOException {
        LoopbackProxy proxy = new LoopbackProxy(mock.port());
        Path own = Files.createDirectories(dir.resolve(name));
        Path kubeconfig = own.resolve("kubeconfig");
        Files.writeString(kubeconfig, KubectlOnMock.kubeconfigText(mock, "ci").replace(":" + mock.port() + "\"", ":" + proxy.port() + "\""));
        Path cfg = own.resolve("ephemera.yaml");
        Files.writeString(cfg, """
                backend: held
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
                  claims-resync: 1s
                  rescan-interval: 500ms
                  step-lease: %ds
                """.formatted(own.resolve("secrets"), kubeconfig, leaseDuration.toSeconds(), name, leaseDuration.toSeconds()));
        Ephemera ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover())
                .load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), own, own)), AdapterRegistry.discover());
        EphemeraServer server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1_048_576, Optional.empty(),
                Duration.ofSeconds(5), Duration.ZERO, List.of()));
        try {
            server.start();
        } catch (RuntimeException e) {
            ephemera.close();
            proxy.close();
            throw e;
        }
        Server s = new Server(name, ephemera, server, proxy);
        servers.add(s);
        return s;
    }

    @Override
    public void close() {
        HeldBackendFactory.BACKEND.letDeletionsGo();
        for (Server s : servers) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // the others are still closed
            }
        }
        mock.close();
    }
}
