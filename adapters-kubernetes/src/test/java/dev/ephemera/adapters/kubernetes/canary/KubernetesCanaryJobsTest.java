package dev.ephemera.adapters.kubernetes.canary;

import static dev.ephemera.adapters.kubernetes.canary.MockApi.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.EnvFromSource;
import dev.ephemera.domain.canary.EnvValueSource;
import dev.ephemera.domain.canary.EnvVar;
import dev.ephemera.domain.canary.ResourceRequirements;
import dev.ephemera.domain.canary.SecretMount;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.CanaryJobs;
import dev.ephemera.ports.canary.CanaryJobsFactory;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.canary.JobRequest;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesCanaryJobsTest {
    private static final String NS = "shop";

    /** The seed README's "comprehensive" example, as the API server would store it. */
    static Map<String, Object> comprehensiveSpec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("image", "gcr.io/my-project/my-app-e2e:v1.0.0");
        spec.put("imagePullPolicy", "Always");
        spec.put("command", List.of("/bin/sh"));
        spec.put("args", List.of("-c", "npm test"));
        spec.put("env", List.of(
                Map.of("name", "TEST_ENVIRONMENT", "value", "staging"),
                Map.of("name", "DB_PASSWORD", "valueFrom", Map.of("secretKeyRef", Map.of("name", "db-credentials", "key", "password"))),
                Map.of("name", "REGION", "valueFrom", Map.of("configMapKeyRef", Map.of("name", "test-config", "key", "region", "optional", true))),
                Map.of("name", "POD_NAME", "valueFrom", Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))),
                Map.of("name", "CANARY_NAME", "value", "overridden by the webhook")));
        spec.put("envFrom", List.of(Map.of("secretRef", Map.of("name", "test-secrets")),
                Map.of("configMapRef", Map.of("name", "test-config"), "prefix", "CFG_")));
        spec.put("secrets", List.of(Map.of("name", "service-account-key", "mountPath", "/var/secrets/google")));
        spec.put("backoffLimit", 2);
        spec.put("activeDeadlineSeconds", 600);
        spec.put("ttlSecondsAfterFinished", 3600);
        spec.put("serviceAccountName", "e2e-test-runner");
        spec.put("resources", Map.of("requests", Map.of("memory", "512Mi", "cpu", "250m"), "limits", Map.of("memory", "1Gi", "cpu", 1)));
        return spec;
    }

    private final MockApi api = new MockApi("ephemera.dev");
    private CanaryJobs jobs;

    private CanaryJobs adapter(Map<String, Object> settings) throws Exception {
        jobs = new KubernetesCanaryJobsFactory(Map.of()).create(new Settings("kubernetes", settings), api.config());
        jobs.synced().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return jobs;
    }

    @AfterEach
    void close() {
        if (jobs != null) {
            jobs.close();
        }
        api.close();
    }

    private static JobRequest request(E2ESpec spec, String jobName, Map<String, String> labels) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CANARY_NAME", spec.name());
        env.put("CANARY_CHECKSUM", "abc");
        return new JobRequest(spec.namespace(), jobName, spec, env, labels, Map.of("ephemera.dev/canary", spec.namespace() + "/" + spec.name()));
    }

    private static final Map<String, String> MANAGED = Map.of(CanaryJobs.MANAGED_BY, CanaryJobs.MANAGER);

    @Test
    @DisplayName("reads every seed field of a stored E2ESpec from the cache")
    void readsSpec() throws Exception {
        api.putSpec(NS, "my-app", comprehensiveSpec());
        CanaryJobs jobs = adapter(Map.of());
        eventually("the spec is in the cache", () -> jobs.spec(NS, "my-app").isPresent());
        E2ESpec spec = jobs.spec(NS, "my-app").orElseThrow();
        assertThat(spec.image()).isEqualTo("gcr.io/my-project/my-app-e2e:v1.0.0");
        assertThat(spec.imagePullPolicy()).contains("Always");
        assertThat(spec.command()).containsExactly("/bin/sh");
        assertThat(spec.args()).containsExactly("-c", "npm test");
        assertThat(spec.env()).contains(EnvVar.literal("TEST_ENVIRONMENT", "staging"),
                EnvVar.from("DB_PASSWORD", new EnvValueSource.SecretKeyRef("db-credentials", "password", false)),
                EnvVar.from("REGION", new EnvValueSource.ConfigMapKeyRef("test-config", "region", true)),
                EnvVar.from("POD_NAME", new EnvValueSource.FieldRef("metadata.name", Optional.empty())));
        assertThat(spec.envFrom()).containsExactly(EnvFromSource.secret("test-secrets"),
                new EnvFromSource(EnvFromSource.Kind.CONFIG_MAP, "test-config", Optional.of("CFG_"), false));
        assertThat(spec.secrets()).containsExactly(new SecretMount("service-account-key", "/var/secrets/google"));
        assertThat(spec.backoffLimit()).contains(2);
        assertThat(spec.activeDeadlineSeconds()).contains(600L);
        assertThat(spec.ttlSecondsAfterFinished()).contains(3600);
        assertThat(spec.serviceAccountName()).contains("e2e-test-runner");
        assertThat(spec.resources()).isEqualTo(new ResourceRequirements(Map.of("memory", "512Mi", "cpu", "250m"), Map.of("memory", "1Gi", "cpu", "1")));
        assertThat(jobs.spec(NS, "other")).isEmpty();
    }

    @Test
    @DisplayName("a stored spec that breaks a rule is reported with its name and field")
    void invalidSpec() throws Exception {
        api.putSpec(NS, "bad", Map.of("image", "alpine", "backoffLimit", "two"));
        CanaryJobs jobs = adapter(Map.of());
        eventually("the spec is in the cache", () -> {
            try {
                return jobs.spec(NS, "bad").isPresent();
            } catch (EphemeraException e) {
                return true;
            }
        });
        assertThatThrownBy(() -> jobs.spec(NS, "bad")).isInstanceOf(EphemeraException.class)
                .hasMessageContaining("E2ESpec shop/bad").hasMessageContaining("spec.backoffLimit")
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID));
    }

    @Test
    @DisplayName("creates the Job with every spec field, the webhook's variables winning, and its labels on Job and pods")
    void createsJob() throws Exception {
        api.putSpec(NS, "my-app", comprehensiveSpec());
        CanaryJobs jobs = adapter(Map.of());
        eventually("the spec is in the cache", () -> jobs.spec(NS, "my-app").isPresent());
        CanaryJob made = jobs.create(request(jobs.spec(NS, "my-app").orElseThrow(), "e2e-my-app-abc", MANAGED)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(made.phase()).isEqualTo(JobPhase.RUNNING);
        assertThat(made.uid()).isNotEmpty();
        assertThat(jobs.job(NS, "e2e-my-app-abc")).isPresent();

        Job job = api.job(NS, "e2e-my-app-abc");
        assertThat(job.getMetadata().getLabels()).containsEntry("ephemera.dev/managed-by", "e2e-verifier");
        assertThat(job.getMetadata().getAnnotations()).containsEntry("ephemera.dev/canary", "shop/my-app");
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(2);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("ephemera.dev/managed-by", "e2e-verifier");
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getServiceAccountName()).isEqualTo("e2e-test-runner");
        assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("service-account-key"));
        Container c = pod.getContainers().get(0);
        assertThat(c.getName()).isEqualTo("e2e");
        assertThat(c.getImage()).isEqualTo("gcr.io/my-project/my-app-e2e:v1.0.0");
        assertThat(c.getImagePullPolicy()).isEqualTo("Always");
        assertThat(c.getCommand()).containsExactly("/bin/sh");
        assertThat(c.getArgs()).containsExactly("-c", "npm test");
        assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> {
            assertThat(m.getMountPath()).isEqualTo("/var/secrets/google");
            assertThat(m.getReadOnly()).isTrue();
            assertThat(m.getName()).isEqualTo(pod.getVolumes().get(0).getName());
        });
        assertThat(c.getEnv()).extracting(e -> e.getName())
                .containsExactly("TEST_ENVIRONMENT", "DB_PASSWORD", "REGION", "POD_NAME", "CANARY_NAME", "CANARY_CHECKSUM");
        assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("CANARY_NAME")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).isEqualTo("my-app"));
        assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("DB_PASSWORD")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password"));
        assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("POD_NAME")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name"));
        assertThat(c.getEnvFrom()).hasSize(2);
        assertThat(c.getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("test-secrets");
        assertThat(c.getEnvFrom().get(1).getPrefix()).isEqualTo("CFG_");
        assertThat(c.getResources().getRequests().get("memory").toString()).isEqualTo("512Mi");
        assertThat(c.getResources().getLimits().get("cpu").toString()).isEqualTo("1");
    }

    @Test
    @DisplayName("a second create of the same Job returns the existing one, and one Job exists")
    void createIsIdempotent() throws Exception {
        CanaryJobs jobs = adapter(Map.of());
        E2ESpec spec = E2ESpec.builder(NS, "app", "alpine").build();
        CanaryJob first = jobs.create(request(spec, "e2e-app-1", MANAGED)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        CanaryJob second = jobs.create(request(spec, "e2e-app-1", MANAGED)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(second.uid()).isEqualTo(first.uid());
        assertThat(api.jobs(NS)).hasSize(1);
    }

    @Test
    @DisplayName("a Job of the same name that Ephemera does not manage is a conflict, not a pass")
    void unmanagedJob() throws Exception {
        api.client().batch().v1().jobs().inNamespace(NS).resource(new JobBuilder().withNewMetadata().withName("e2e-app-1").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("x").withImage("alpine").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        CanaryJobs jobs = adapter(Map.of());
        assertThatThrownBy(() -> jobs.create(request(E2ESpec.builder(NS, "app", "alpine").build(), "e2e-app-1", MANAGED)).toCompletableFuture()
                .get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(EphemeraException.class).hasMessageContaining("does not manage");
    }

    @Test
    @DisplayName("the informer wakes a waiter when the Job completes; cancelling a waiter leaves the Job alone")
    void awaitEnd() throws Exception {
        KubernetesCanaryJobs jobs = (KubernetesCanaryJobs) adapter(Map.of());
        jobs.create(request(E2ESpec.builder(NS, "app", "alpine").build(), "e2e-app-1", MANAGED)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        CompletableFuture<CanaryJob> end = jobs.awaitEnd(NS, "e2e-app-1");
        CompletableFuture<CanaryJob> leaving = jobs.awaitEnd(NS, "e2e-app-1");
        assertThat(jobs.waiting()).isEqualTo(2);
        leaving.cancel(false);
        assertThat(jobs.waiting()).isEqualTo(1);
        api.setStatus(NS, "e2e-app-1", null, null, null);
        assertThat(end).isNotDone();
        api.setStatus(NS, "e2e-app-1", "Complete", null, null);
        CanaryJob done = end.get(10, TimeUnit.SECONDS);
        assertThat(done.phase()).isEqualTo(JobPhase.SUCCEEDED);
        assertThat(done.startTime()).isPresent();
        assertThat(jobs.waiting()).isZero();
        // Registered after the end: answered from the cache at once.
        assertThat(jobs.awaitEnd(NS, "e2e-app-1").get(10, TimeUnit.SECONDS).phase()).isEqualTo(JobPhase.SUCCEEDED);
    }

    @Test
    @DisplayName("a Job deleted while waited on ends the wait as failed")
    void deletedJob() throws Exception {
        CanaryJobs jobs = adapter(Map.of());
        jobs.create(request(E2ESpec.builder(NS, "app", "alpine").build(), "e2e-app-1", MANAGED)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        eventually("the Job is in the cache", () -> jobs.job(NS, "e2e-app-1").isPresent());
        CompletableFuture<CanaryJob> end = jobs.awaitEnd(NS, "e2e-app-1");
        api.client().batch().v1().jobs().inNamespace(NS).withName("e2e-app-1").delete();
        CanaryJob gone = end.get(10, TimeUnit.SECONDS);
        assertThat(gone.phase()).isEqualTo(JobPhase.FAILED);
        assertThat(gone.reason()).contains(CanaryJob.DELETED);
    }

    @Test
    @DisplayName("the log tail comes from the Job's failed pod")
    void logTail() throws Exception {
        CanaryJobs jobs = adapter(Map.of());
        api.addFailedPod(NS, "e2e-app-1", "e2e-app-1-x7k2p", "starting\nGET /health 503\nAssertionError: expected 200\n", 3);
        assertThat(jobs.logTail(NS, "e2e-app-1", 3).toCompletableFuture().get(10, TimeUnit.SECONDS))
                .containsExactly("starting", "GET /health 503", "AssertionError: expected 200");
        assertThat(jobs.logTail(NS, "e2e-none", 3).toCompletableFuture().get(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    @DisplayName("watches one namespace when told to")
    void oneNamespace() throws Exception {
        api.putSpec("other", "app", Map.of("image", "alpine"));
        api.putSpec(NS, "app", Map.of("image", "alpine"));
        CanaryJobs jobs = adapter(Map.of("namespace", NS));
        eventually("the spec is in the cache", () -> jobs.spec(NS, "app").isPresent());
        assertThat(jobs.spec("other", "app")).isEmpty();
    }

    @Test
    @DisplayName("refuses to create a Job its cache would not see")
    void labelRequired() throws Exception {
        CanaryJobs jobs = adapter(Map.of());
        assertThatThrownBy(() -> jobs.create(request(E2ESpec.builder(NS, "app", "alpine").build(), "e2e-app-1", Map.of())))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("ephemera.dev/managed-by");
    }

    @Test
    @DisplayName("with no crd-group set, uses seed 001's remarkable.com CRD when that is the one installed, in drop-in mode")
    void detectsTheSeedsGroup() throws Exception {
        try (MockApi seedOnly = new MockApi("remarkable.com")) {
            seedOnly.putSpec(NS, "my-app", Map.of("image", "alpine"));
            KubernetesCanaryJobs detected = (KubernetesCanaryJobs) new KubernetesCanaryJobsFactory(Map.of())
                    .create(new Settings("kubernetes", Map.of()), seedOnly.config());
            try {
                detected.synced().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThat(detected.group()).contains("remarkable.com");
                assertThat(detected.dropIn()).isTrue();
                eventually("the seed's spec is in the cache", () -> detected.spec(NS, "my-app").isPresent());
            } finally {
                detected.close();
            }
        }
    }

    @Test
    @DisplayName("with both CRDs installed, ephemera.dev wins; with none, ephemera.dev is watched until its CRD appears")
    void prefersOursAndWaitsForTheCrd() throws Exception {
        api.installCrd("remarkable.com");
        KubernetesCanaryJobs both = (KubernetesCanaryJobs) adapter(Map.of());
        assertThat(both.group()).contains("ephemera.dev");
        assertThat(both.dropIn()).isFalse();

        try (MockApi none = new MockApi(null)) {
            KubernetesCanaryJobs waiting = (KubernetesCanaryJobs) new KubernetesCanaryJobsFactory(Map.of())
                    .create(new Settings("kubernetes", Map.of()), none.config());
            try {
                // A real API server answers 404 for the missing resource and the informer retries until the
                // CRD is installed; the CRUD mock serves an empty list instead, so only the choice is checked here.
                eventually("the group is chosen", () -> waiting.group().isPresent());
                assertThat(waiting.group()).contains("ephemera.dev");
                assertThat(waiting.dropIn()).isFalse();
            } finally {
                waiting.close();
            }
        }
    }

    @Nested
    @DisplayName("the factory")
    class Factory {
        @Test
        @DisplayName("is found by ServiceLoader under the name kubernetes")
        void discoverable() {
            assertThat(ServiceLoader.load(CanaryJobsFactory.class).stream().map(ServiceLoader.Provider::get))
                    .anySatisfy(f -> {
                        assertThat(f).isInstanceOf(KubernetesCanaryJobsFactory.class);
                        assertThat(f.name()).isEqualTo("kubernetes");
                        assertThat(f.settings()).extracting(s -> s.key())
                                .containsExactlyInAnyOrder("kubeconfig", "context", "in-cluster", "namespace", "crd-group", "drop-in");
                    });
        }

        @Test
        @DisplayName("refuses unknown settings, listing the known ones")
        void unknownSetting() {
            assertThatThrownBy(() -> new KubernetesCanaryJobsFactory(Map.of()).create(new Settings("kubernetes", Map.of("namespce", "x"))))
                    .isInstanceOf(EphemeraException.class).hasMessageContaining("kubernetes.namespce").hasMessageContaining("crd-group");
        }

        @Test
        @DisplayName("honours seed 001's USE_IN_CLUSTER, and says what is missing outside a pod")
        void useInCluster() {
            assertThatThrownBy(() -> new KubernetesCanaryJobsFactory(Map.of("USE_IN_CLUSTER", "true")).create(new Settings("kubernetes", Map.of())))
                    .isInstanceOf(EphemeraException.class).hasMessageContaining("USE_IN_CLUSTER=false")
                    .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.CONFIGURATION));
            assertThat(CanaryJobsSettings.from(new Settings("kubernetes", Map.of()), Map.of("USE_IN_CLUSTER", "false")).inCluster()).contains(false);
            assertThat(CanaryJobsSettings.from(new Settings("kubernetes", Map.of("in-cluster", "false")), Map.of("USE_IN_CLUSTER", "true")).inCluster())
                    .contains(false);
            assertThat(CanaryJobsSettings.from(new Settings("kubernetes", Map.of()), Map.of()).inCluster()).isEmpty();
        }

        @Test
        @DisplayName("uses a kubeconfig named in the settings, and says when it cannot be read")
        void kubeconfig(@TempDir Path dir) throws Exception {
            Path file = dir.resolve("kc.yaml");
            java.nio.file.Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: mock
                      cluster: {server: "http://127.0.0.1:%d"}
                    users:
                    - name: u
                      user: {token: t}
                    contexts:
                    - name: mock
                      context: {cluster: mock, user: u}
                    current-context: mock
                    """.formatted(api.port()));
            jobs = new KubernetesCanaryJobsFactory(Map.of()).create(new Settings("kubernetes", Map.of("kubeconfig", file.toString())));
            jobs.synced().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(jobs.health().up()).isTrue();
            assertThatThrownBy(() -> new KubernetesCanaryJobsFactory(Map.of())
                    .create(new Settings("kubernetes", Map.of("kubeconfig", dir.resolve("missing").toString()))))
                    .hasMessageContaining("cannot be read");
            assertThatThrownBy(() -> new KubernetesCanaryJobsFactory(Map.of()).create(new Settings("kubernetes", Map.of("crd-group", "nope"))))
                    .hasMessageContaining("crd-group");
        }

        @Test
        @DisplayName("drop-in follows the seed's group unless set")
        void dropInDefault() {
            assertThat(CanaryJobsSettings.from(new Settings("k", Map.of()), Map.of()).dropInFor("remarkable.com")).isTrue();
            assertThat(CanaryJobsSettings.from(new Settings("k", Map.of()), Map.of()).dropInFor("ephemera.dev")).isFalse();
            assertThat(CanaryJobsSettings.from(new Settings("k", Map.of("drop-in", "true")), Map.of()).dropInFor("ephemera.dev")).isTrue();
            assertThat(CanaryJobsSettings.from(new Settings("k", Map.of("drop-in", "false")), Map.of()).dropInFor("remarkable.com")).isFalse();
        }
    }
}
