package dev.ephemera.testkit.kubernetes;

import dev.ephemera.domain.secret.Secret;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Seed 004's failing test cluster on fabric8's CRUD mock: a pod in CrashLoopBackOff with restarts,
 * a Pending pod with a FailedScheduling event, a Running pod, events, a Secret with data, and the
 * log endpoints (the CRUD mock keeps no logs and answers a log path with a list, so logs are expectations:
 * see {@link #logPath}). Shared by the report tests of adapters-kubernetes and app-cli.
 */
public final class FailingShopCluster {
    public static final String NS = "shop";
    public static final String SECRET_VALUE = "hunter2-do-not-leak";
    public static final String SECRET_B64 = Base64.getEncoder().encodeToString(SECRET_VALUE.getBytes(StandardCharsets.UTF_8));

    private FailingShopCluster() {
    }

    public static String kubeconfig(KubernetesCrudMock mock) {
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: http://127.0.0.1:" + mock.port() + "\n"
                + "users:\n- name: ci\n  user:\n    token: ci-token\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: ci\n"
                + "current-context: mock\n";
    }

    public static Secret kubeconfigSecret(KubernetesCrudMock mock) {
        return Secret.of(kubeconfig(mock));
    }

    /** The path fabric8 asks a container's log at. */
    public static String logPath(String pod, String container, boolean previous, int lines) {
        return "/api/v1/namespaces/" + NS + "/pods/" + pod + "/log?pretty=false&container=" + container + (previous ? "&previous=true" : "")
                + "&tailLines=" + lines;
    }

    /** Answers the three containers' log endpoints (tail of 200 lines); a null {@code web} log answers HTTP 500. */
    public static void expectLogs(KubernetesCrudMock mock, String api, String apiPrevious, String web) {
        var s = mock.server();
        s.expect().get().withPath(logPath("api-0", "app", false, 200)).andReturn(200, api).always();
        s.expect().get().withPath(logPath("api-0", "app", true, 200)).andReturn(200, apiPrevious).always();
        if (web != null) {
            s.expect().get().withPath(logPath("web-0", "web", false, 200)).andReturn(200, web).always();
        } else {
            s.expect().get().withPath(logPath("web-0", "web", false, 200))
                    .andReturn(500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"kubelet unreachable\"}").always();
        }
    }

    public static void seed(KubernetesCrudMock mock) {
        NamespacedKubernetesClient c = mock.client();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        c.pods().inNamespace(NS).resource(crashLooping()).create();
        c.pods().inNamespace(NS).resource(pending()).create();
        c.pods().inNamespace(NS).resource(running()).create();
        c.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("db").withNamespace(NS)
                .withAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{\"data\":{\"password\":\"" + SECRET_B64 + "\"}}"))
                .endMetadata().withType("Opaque").withData(Map.of("password", SECRET_B64)).withStringData(Map.of("plain", SECRET_VALUE)).build()).create();
        // Created out of time order on purpose: the report must sort them.
        event(c, "e3", "Pod", "api-0", "Warning", "BackOff", "Back-off restarting failed container app in pod api-0", 12, "2026-01-01T10:05:00Z");
        event(c, "e1", "Pod", "worker-0", "Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.", 3, "2026-01-01T10:01:00Z");
        event(c, "e2", "Pod", "web-0", "Normal", "Started", "Started container web", 1, "2026-01-01T10:02:00Z");
        event(c, "e0", "Pod", "api-0", "Normal", "Scheduled", "Successfully assigned shop/api-0 to node-1", 1, "2026-01-01T10:00:00Z");
    }

    public static void event(NamespacedKubernetesClient c, String name, String kind, String object, String type, String reason, String message, int count,
                      String last) {
        c.v1().events().inNamespace(NS).resource(new EventBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewInvolvedObject().withKind(kind).withName(object).withNamespace(NS).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message).withCount(count).withFirstTimestamp(last).withLastTimestamp(last).build()).create();
    }

    public static Pod crashLooping() {
        return new PodBuilder().withNewMetadata().withName("api-0").withNamespace(NS).withLabels(Map.of("app", "api"))
                .withCreationTimestamp("2026-01-01T09:59:00Z").endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("app").withImage("shop/api:e2e").endContainer().endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("False").withReason("ContainersNotReady").endCondition()
                .addToContainerStatuses(new ContainerStatusBuilder().withName("app").withImage("shop/api:e2e").withReady(false).withRestartCount(5)
                        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 2m40s restarting failed container")
                        .endWaiting().endState()
                        .withNewLastState().withNewTerminated().withReason("Error").withExitCode(1).withFinishedAt("2026-01-01T10:04:50Z")
                        .endTerminated().endLastState().build())
                .endStatus().build();
    }

    public static Pod pending() {
        return new PodBuilder().withNewMetadata().withName("worker-0").withNamespace(NS).withCreationTimestamp("2026-01-01T10:00:30Z").endMetadata()
                .withNewSpec().addNewContainer().withName("worker").withImage("shop/worker:e2e").endContainer().endSpec()
                .withNewStatus().withPhase("Pending")
                .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: 1 Insufficient cpu.").endCondition()
                .endStatus().build();
    }

    public static Pod running() {
        return new PodBuilder().withNewMetadata().withName("web-0").withNamespace(NS).withCreationTimestamp("2026-01-01T10:00:10Z").endMetadata()
                .withNewSpec().withNodeName("node-1").addNewContainer().withName("web").withImage("shop/web:e2e").endContainer().endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addToContainerStatuses(new ContainerStatusBuilder().withName("web").withImage("shop/web:e2e").withReady(true).withRestartCount(0)
                        .withNewState().withNewRunning().withStartedAt("2026-01-01T10:02:00Z").endRunning().endState().build())
                .endStatus().build();
    }
}
