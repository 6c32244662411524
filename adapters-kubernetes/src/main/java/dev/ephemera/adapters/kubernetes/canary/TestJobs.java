package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.EnvFromSource;
import dev.ephemera.domain.canary.EnvValueSource;
import dev.ephemera.domain.canary.EnvVar;
import dev.ephemera.domain.canary.SecretMount;
import dev.ephemera.ports.canary.CanaryJob;
import dev.ephemera.ports.canary.JobPhase;
import dev.ephemera.ports.canary.JobRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.EnvVarSourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns a {@link JobRequest} into a Kubernetes Job, and an observed Job into a {@link CanaryJob}. */
final class TestJobs {
    /** The test container's name, used again to read its log. */
    static final String CONTAINER = "e2e";

    private TestJobs() {
    }

    static Job toJob(JobRequest request) {
        E2ESpec spec = request.spec();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<SecretMount> secrets = spec.secrets();
        for (int i = 0; i < secrets.size(); i++) {
            // Secret names may hold dots, volume names may not: number the volumes instead.
            String volume = "secret-" + i;
            volumes.add(new VolumeBuilder().withName(volume).withNewSecret().withSecretName(secrets.get(i).name()).endSecret().build());
            mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(secrets.get(i).mountPath()).withReadOnly(true).build());
        }
        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(spec.image())
                .withImagePullPolicy(spec.imagePullPolicy().orElse(null))
                .withCommand(spec.command().isEmpty() ? null : spec.command())
                .withArgs(spec.args().isEmpty() ? null : spec.args())
                .withEnv(env(spec, request.environment()))
                .withEnvFrom(spec.envFrom().stream().map(TestJobs::envFrom).toList())
                .withVolumeMounts(mounts)
                .withResources(spec.resources().isEmpty() ? null : new ResourceRequirementsBuilder()
                        .withRequests(quantities(spec.resources().requests()))
                        .withLimits(quantities(spec.resources().limits()))
                        .build())
                .build();
        return new JobBuilder()
                .withNewMetadata()
                    .withName(request.name())
                    .withNamespace(request.namespace())
                    .withLabels(request.labels())
                    .withAnnotations(request.annotations())
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(spec.backoffLimit().orElse(null))
                    .withActiveDeadlineSeconds(spec.activeDeadlineSeconds().orElse(null))
                    .withTtlSecondsAfterFinished(spec.ttlSecondsAfterFinished().orElse(null))
                    .withNewTemplate()
                        .withNewMetadata().withLabels(request.labels()).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(spec.serviceAccountName().orElse(null))
                            .withContainers(container)
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** The spec's variables, then the webhook's seven; a spec entry of the same name gives way to the webhook's. */
    private static List<io.fabric8.kubernetes.api.model.EnvVar> env(E2ESpec spec, Map<String, String> injected) {
        List<io.fabric8.kubernetes.api.model.EnvVar> out = new ArrayList<>();
        for (EnvVar v : spec.env()) {
            if (injected.containsKey(v.name())) {
                continue;
            }
            EnvVarBuilder b = new EnvVarBuilder().withName(v.name());
            v.value().ifPresent(b::withValue);
            v.valueFrom().ifPresent(src -> b.withValueFrom(source(src)));
            out.add(b.build());
        }
        injected.forEach((k, val) -> out.add(new EnvVarBuilder().withName(k).withValue(val).build()));
        return out;
    }

    private static io.fabric8.kubernetes.api.model.EnvVarSource source(EnvValueSource src) {
        EnvVarSourceBuilder b = new EnvVarSourceBuilder();
        if (src instanceof EnvValueSource.SecretKeyRef s) {
            b.withNewSecretKeyRef().withName(s.name()).withKey(s.key()).withOptional(s.optional() ? Boolean.TRUE : null).endSecretKeyRef();
        } else if (src instanceof EnvValueSource.ConfigMapKeyRef c) {
            b.withNewConfigMapKeyRef().withName(c.name()).withKey(c.key()).withOptional(c.optional() ? Boolean.TRUE : null).endConfigMapKeyRef();
        } else if (src instanceof EnvValueSource.FieldRef f) {
            b.withNewFieldRef().withFieldPath(f.fieldPath()).withApiVersion(f.apiVersion().orElse(null)).endFieldRef();
        } else if (src instanceof EnvValueSource.ResourceFieldRef r) {
            b.withNewResourceFieldRef().withResource(r.resource()).withContainerName(r.containerName().orElse(null))
                    .withDivisor(r.divisor().map(Quantity::new).orElse(null)).endResourceFieldRef();
        }
        return b.build();
    }

    private static io.fabric8.kubernetes.api.model.EnvFromSource envFrom(EnvFromSource e) {
        EnvFromSourceBuilder b = new EnvFromSourceBuilder().withPrefix(e.prefix().orElse(null));
        Boolean optional = e.optional() ? Boolean.TRUE : null;
        if (e.kind() == EnvFromSource.Kind.SECRET) {
            b.withNewSecretRef().withName(e.name()).withOptional(optional).endSecretRef();
        } else {
            b.withNewConfigMapRef().withName(e.name()).withOptional(optional).endConfigMapRef();
        }
        return b.build();
    }

    private static Map<String, Quantity> quantities(Map<String, String> m) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, new Quantity(v)));
        return out.isEmpty() ? null : out;
    }

    /** What a Job's status says: only the {@code Complete} and {@code Failed} conditions end it. */
    static CanaryJob observe(Job job) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        Optional<Long> deadline = Optional.ofNullable(job.getSpec()).map(s -> s.getActiveDeadlineSeconds());
        JobPhase phase = JobPhase.RUNNING;
        String reason = null;
        String message = null;
        Optional<Instant> started = Optional.empty();
        if (job.getStatus() != null) {
            started = instant(job.getStatus().getStartTime());
            List<JobCondition> conditions = job.getStatus().getConditions() == null ? List.of() : job.getStatus().getConditions();
            for (JobCondition c : conditions) {
                if (!"True".equalsIgnoreCase(c.getStatus())) {
                    continue;
                }
                if ("Failed".equals(c.getType())) {
                    phase = JobPhase.FAILED;
                    reason = c.getReason();
                    message = c.getMessage();
                    break;
                }
                if ("Complete".equals(c.getType())) {
                    phase = JobPhase.SUCCEEDED;
                    reason = c.getReason();
                    message = c.getMessage();
                }
            }
        }
        return new CanaryJob(ns, name, job.getMetadata().getUid(), phase, Optional.ofNullable(reason), Optional.ofNullable(message),
                started, deadline);
    }

    private static Optional<Instant> instant(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
