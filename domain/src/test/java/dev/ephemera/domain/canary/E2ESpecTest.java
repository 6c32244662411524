package dev.ephemera.domain.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class E2ESpecTest {

    @Test
    void holdsEverySeedField() {
        E2ESpec spec = E2ESpec.builder("default", "my-app", "gcr.io/my-project/my-app-e2e:v1.0.0")
                .imagePullPolicy("Always")
                .command(List.of("/bin/sh")).args(List.of("-c", "npm test"))
                .env(EnvVar.literal("TEST_ENVIRONMENT", "staging"))
                .env(EnvVar.from("DB_PASSWORD", new EnvValueSource.SecretKeyRef("db-credentials", "password", false)))
                .envFrom(EnvFromSource.secret("test-secrets")).envFrom(EnvFromSource.configMap("test-config"))
                .secret(new SecretMount("service-account-key", "/var/secrets/google"))
                .backoffLimit(2).activeDeadlineSeconds(600L).ttlSecondsAfterFinished(3600)
                .serviceAccountName("e2e-test-runner")
                .resources(new ResourceRequirements(Map.of("memory", "512Mi", "cpu", "250m"), Map.of("memory", "1Gi", "cpu", "1000m")))
                .build();
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
        assertThat(spec.env()).hasSize(2);
        assertThat(spec.activeDeadlineSeconds()).contains(600L);
        assertThat(spec.serviceAccountName()).contains("e2e-test-runner");
    }

    @Test
    void refusesWhatKubernetesWouldRefuse() {
        assertThatThrownBy(() -> E2ESpec.builder("default", "x", " ").build()).isInstanceOf(EphemeraException.class).hasMessageContaining("spec.image");
        assertThatThrownBy(() -> E2ESpec.builder("default", "x", "alpine").imagePullPolicy("Sometimes").build()).hasMessageContaining("imagePullPolicy");
        assertThatThrownBy(() -> E2ESpec.builder("default", "x", "alpine").backoffLimit(-1).build()).hasMessageContaining("backoffLimit");
        assertThatThrownBy(() -> new SecretMount("s", "relative/path")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> new EnvVar("A", Optional.of("1"), Optional.of(new EnvValueSource.FieldRef("metadata.name", Optional.empty()))))
                .hasMessageContaining("both value and valueFrom");
        assertThatThrownBy(() -> E2ESpec.builder("default", "x", "alpine")
                .secret(new SecretMount("a", "/s")).secret(new SecretMount("b", "/s")).build()).hasMessageContaining("two secrets");
    }
}
