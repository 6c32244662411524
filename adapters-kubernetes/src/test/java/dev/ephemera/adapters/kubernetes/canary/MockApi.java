package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * fabric8's Kubernetes mock API server in CRUD mode, on loopback, with the E2ESpec CRD from
 * {@code deploy/crds} installed, and the moves a test needs to play the Job controller: set a
 * Job's status with a PUT of the status subresource, add a pod with a log. The informers under test
 * close their watches when stopped, which {@link KubernetesCrudMock}'s shim is for.
 */
final class MockApi implements AutoCloseable {
    private final KubernetesCrudMock mock = KubernetesCrudMock.http();
    private final KubernetesMockServer server = mock.server();
    private final NamespacedKubernetesClient client = mock.client();
    final String group;

    MockApi(String group) {
        this.group = group;
        if (group != null) {
            installCrd(group);
        }
    }

    static Path repoDir() {
        String prop = System.getProperty("ephemera.repo.dir");
        Path start = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/crds"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository's deploy/crds above " + start);
    }

    static Path sharedDir() {
        String prop = System.getProperty("ephemera.shared.dir");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        return repoDir().resolve("../shared").normalize();
    }

    void installCrd(String group) {
        Path file = repoDir().resolve("deploy/crds/e2especs." + group + ".yaml");
        try (InputStream in = Files.newInputStream(file)) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    NamespacedKubernetesClient client() {
        return client;
    }

    KubernetesMockServer server() {
        return server;
    }

    Config config() {
        return client.getConfiguration();
    }

    int port() {
        return server.getPort();
    }

    ResourceDefinitionContext specType() {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1").withPlural("e2especs")
                .withKind("E2ESpec").withNamespaced(true).build();
    }

    void putSpec(String namespace, String name, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResourceBuilder()
                .withApiVersion(group + "/v1").withKind("E2ESpec")
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToAdditionalProperties("spec", spec)
                .build();
        client.genericKubernetesResources(specType()).inNamespace(namespace).resource(r).create();
    }

    List<Job> jobs(String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    Job job(String namespace, String name) {
        return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    }

    /** Plays the Job controller: a PUT of the status subresource (the mock's PATCH would append lists). */
    void setStatus(String namespace, String name, String condition, String reason, String message) {
        Job job = job(namespace, name);
        JobStatusBuilder status = new JobStatusBuilder().withStartTime(Instant.now().toString());
        if (condition == null) {
            status.withActive(1);
        } else {
            status.withConditions(new JobConditionBuilder().withType(condition).withStatus("True").withReason(reason).withMessage(message)
                    .withLastTransitionTime(Instant.now().toString()).build());
            if ("Complete".equals(condition)) {
                status.withSucceeded(1).withCompletionTime(Instant.now().toString());
            } else {
                status.withFailed(1);
            }
        }
        job.setStatus(status.build());
        client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    }

    /** A pod of the Job, as the Job controller labels it, with a log the mock serves for the given tail size. */
    void addFailedPod(String namespace, String jobName, String podName, String log, int tailLines) {
        Pod pod = new PodBuilder().withNewMetadata().withName(podName).withNamespace(namespace)
                .addToLabels("job-name", jobName).addToLabels("batch.kubernetes.io/job-name", jobName).endMetadata()
                .withNewSpec().addNewContainer().withName(TestJobs.CONTAINER).withImage("alpine").endContainer().withRestartPolicy("Never").endSpec()
                .withNewStatus().withPhase("Failed").endStatus()
                .build();
        client.pods().inNamespace(namespace).resource(pod).create();
        server.expect().get()
                .withPath("/api/v1/namespaces/" + namespace + "/pods/" + podName + "/log?pretty=false&container=" + TestJobs.CONTAINER
                        + "&tailLines=" + tailLines)
                .andReturn(200, log).always();
    }

    /** Waits, with a growing pause and a deadline, until {@code condition} holds. */
    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long pause = 1;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 10 s waiting for: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 100);
        }
    }

    @Override
    public void close() {
        mock.close();
    }
}
