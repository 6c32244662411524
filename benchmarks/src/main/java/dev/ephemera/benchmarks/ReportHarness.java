package dev.ephemera.benchmarks;

import dev.ephemera.adapters.kubernetes.diagnostics.KubernetesClusterDiagnostics;
import dev.ephemera.application.report.ReportOutcome;
import dev.ephemera.application.report.ReportRequest;
import dev.ephemera.application.report.Reports;
import dev.ephemera.testkit.kubernetes.FailingShopCluster;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Times {@code Reports.write} for a cluster of N pods on fabric8's CRUD mock API server: 10% of
 * the pods crash-loop (current and previous logs), 5% are pending, the rest run; every started
 * container has a 200-line log; two events per pod; 20 Services and ConfigMaps.
 *
 * <pre>benchmarks/run ReportHarness [pods=200] [runs=5] [concurrency=8]</pre>
 */
public final class ReportHarness {
    private static final String NS = "bench";
    /** The mock logs every request it answers (that is the mock's cost, not the report's); held so the level is not lost with the logger. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private ReportHarness() {
    }

    public static void main(String[] args) throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            log.append("2026-01-01T10:00:").append(i % 60).append("Z INFO handled request ").append(i).append(" in 3 ms, all good\n");
        }
        try (KubernetesCrudMock mock = KubernetesCrudMock.http()) {
            long seedStart = System.nanoTime();
            NamespacedKubernetesClient c = mock.client();
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
            int logs = 0;
            for (int i = 0; i < pods; i++) {
                String name = "app-" + i;
                boolean crash = i % 10 == 0;
                boolean pending = !crash && i % 20 == 1;
                c.pods().inNamespace(NS).resource(pod(name, crash, pending)).create();
                if (!pending) {
                    mock.server().expect().get().withPath(path(name, false)).andReturn(200, log.toString()).always();
                    logs++;
                }
                if (crash) {
                    mock.server().expect().get().withPath(path(name, true)).andReturn(200, log + "panic: boom\n").always();
                    logs++;
                }
                FailingShopCluster.event(c, name + "-a", "Pod", name, "Normal", "Scheduled", "assigned " + name, 1, "2026-01-01T10:00:00Z");
                FailingShopCluster.event(c, name + "-b", "Pod", name, crash ? "Warning" : "Normal", crash ? "BackOff" : "Started",
                        crash ? "Back-off restarting failed container" : "Started container", 1, "2026-01-01T10:01:00Z");
            }
            for (int i = 0; i < 20; i++) {
                c.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("svc-" + i).endMetadata()
                        .withNewSpec().withClusterIP("10.0.0." + (i + 1)).addNewPort().withPort(80).endPort().endSpec().build()).create();
                c.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i).endMetadata()
                        .withData(Map.of("k", "v")).build()).create();
            }
            System.out.printf("seeded %d pods, %d logs, %d events in %d ms%n", pods, logs, 2 * pods, (System.nanoTime() - seedStart) / 1_000_000);

            Reports reports = new Reports(new KubernetesClusterDiagnostics(), () -> {
                throw new IllegalStateException("no records in this harness");
            }, () -> {
                throw new IllegalStateException("no code host in this harness");
            }, Clock.systemUTC());
            List<Long> millis = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                Path dir = Files.createTempDirectory("ephemera-report-bench");
                long t0 = System.nanoTime();
                ReportOutcome o = reports.write(new ReportRequest(new ReportRequest.KubeconfigTarget(FailingShopCluster.kubeconfigSecret(mock),
                        Optional.empty()), List.of(NS), dir, Optional.empty(), 200, 256 * 1024, concurrency, Duration.ofSeconds(60)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                millis.add(ms);
                System.out.printf("run %d: %d ms, %d files, %d pods, %d failing, %d logs not read, gaps %s%n", r + 1, ms, o.files().size(),
                        o.report().snapshot().pods().size(), o.report().failing().size(),
                        o.report().snapshot().logs().stream().filter(l -> l.error().isPresent()).count(), o.report().snapshot().gaps());
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.printf("report of %d pods: first %d ms, median %d ms, max %d ms over %d runs (concurrency %d)%n", pods, millis.get(0),
                    sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), runs, concurrency);
        }
    }

    private static String path(String pod, boolean previous) {
        return "/api/v1/namespaces/" + NS + "/pods/" + pod + "/log?pretty=false&container=app" + (previous ? "&previous=true" : "") + "&tailLines=200";
    }

    private static Pod pod(String name, boolean crash, boolean pending) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("bench/app:1").endContainer().endSpec();
        if (pending) {
            return b.withNewStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                    .endCondition().endStatus().build();
        }
        ContainerStatusBuilder s = new ContainerStatusBuilder().withName("app").withImage("bench/app:1");
        if (crash) {
            s.withReady(false).withRestartCount(3).withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                    .withNewLastState().withNewTerminated().withReason("Error").withExitCode(2).endTerminated().endLastState();
        } else {
            s.withReady(true).withRestartCount(0).withNewState().withNewRunning().withStartedAt("2026-01-01T10:00:00Z").endRunning().endState();
        }
        return b.withNewStatus().withPhase("Running").addToContainerStatuses(s.build()).endStatus().build();
    }
}
