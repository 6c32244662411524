package dev.ephemera.domain.secret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretTest {
    @Test
    void neverPrintsItsValue() {
        Secret s = Secret.of("ghs_very-secret-token");
        assertThat(s.toString()).doesNotContain("ghs_").isEqualTo("Secret[redacted]");
        assertThat(String.valueOf(new Holder(s))).doesNotContain("very-secret");
        assertThat(s.reveal()).isEqualTo("ghs_very-secret-token");
        assertThat(s).isEqualTo(Secret.of("ghs_very-secret-token")).isNotEqualTo(Secret.of("other"));
    }

    record Holder(Secret token) {
    }
}
