package dev.ephemera.domain.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CanaryWebhookTest {

    @Test
    @DisplayName("the seven seed variables are filled from the payload, in the seed's order")
    void sevenVariables() {
        CanaryWebhook hook = new CanaryWebhook("my-app", "default", "Progressing", "85d557f47b",
                Map.of("eventMessage", "Canary promotion starting", "eventType", "Normal", "timestamp", "1640000000000"));
        assertThat(hook.jobEnvironment()).containsExactly(
                Map.entry("CANARY_NAME", "my-app"),
                Map.entry("CANARY_NAMESPACE", "default"),
                Map.entry("CANARY_PHASE", "Progressing"),
                Map.entry("CANARY_CHECKSUM", "85d557f47b"),
                Map.entry("EVENT_MESSAGE", "Canary promotion starting"),
                Map.entry("EVENT_TYPE", "Normal"),
                Map.entry("EVENT_TIMESTAMP", "1640000000000"));
        assertThat(hook.jobName()).isEqualTo("e2e-my-app-85d557f47b");
    }

    @Test
    @DisplayName("event variables are empty when Flagger sends no metadata, as for pre-rollout hooks")
    void emptyEventVariablesWithoutMetadata() {
        CanaryWebhook hook = new CanaryWebhook("my-app", "default", "Progressing", "abc", null);
        assertThat(hook.jobEnvironment()).containsEntry("EVENT_MESSAGE", "").containsEntry("EVENT_TYPE", "").containsEntry("EVENT_TIMESTAMP", "");
        assertThat(hook.metadata()).isEmpty();
    }

    @Test
    @DisplayName("name, namespace and checksum are required; phase may be missing")
    void requiredFields() {
        assertInvalid(() -> new CanaryWebhook(null, "default", "Progressing", "abc", null), "'name'");
        assertInvalid(() -> new CanaryWebhook("my-app", " ", "Progressing", "abc", null), "'namespace'");
        assertInvalid(() -> new CanaryWebhook("my-app", "default", "Progressing", "", null), "'checksum'");
        assertInvalid(() -> new CanaryWebhook("My_App", "default", "Progressing", "abc", null), "Kubernetes object name");
        assertInvalid(() -> new CanaryWebhook("my-app", "Default", "Progressing", "abc", null), "namespace name");
        assertInvalid(() -> new CanaryWebhook("my-app", "default", "Progressing", "a b", null), "checksum");
        assertThat(new CanaryWebhook("my-app", "default", null, "abc", null).phase()).isEmpty();
    }

    @Test
    @DisplayName("metadata hold and mode are read, and refused with a clear message when malformed")
    void holdAndMode() {
        CanaryWebhook hook = new CanaryWebhook("a", "b", "Progressing", "c", Map.of("hold", "14m", "mode", "seed"));
        assertThat(hook.requestedHold()).contains(Duration.ofMinutes(14));
        assertThat(hook.requestedMode()).contains(VerifierMode.SEED);
        assertThat(CanaryWebhook.of("a", "b", "p", "c").requestedHold()).isEqualTo(Optional.empty());
        assertInvalid(() -> new CanaryWebhook("a", "b", "p", "c", Map.of("hold", "soon")).requestedHold(), "hold 'soon'");
        assertInvalid(() -> new CanaryWebhook("a", "b", "p", "c", Map.of("hold", "0s")).requestedHold(), "positive");
        assertInvalid(() -> new CanaryWebhook("a", "b", "p", "c", Map.of("mode", "yolo")).requestedMode(), "gate or seed");
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String fragment) {
        assertThatThrownBy(call).isInstanceOf(EphemeraException.class)
                .satisfies(e -> assertThat(((EphemeraException) e).code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining(fragment);
    }
}
