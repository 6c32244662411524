package dev.ephemera.domain.canary;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NotBlank;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.Chars;
import org.junit.jupiter.api.Test;

/** The Job name rule: always a DNS-1123 label of at most 63 characters, stable, and the seed's name when that already fits. */
class E2eJobNameProperties {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    @Property(tries = 2000)
    void alwaysAValidLabelOfAtMost63Characters(@ForAll @NotBlank @StringLength(max = 300) String name,
                                                @ForAll @NotBlank @StringLength(max = 80) String checksum) {
        String job = E2eJobName.of(name, checksum);
        assertThat(job).matches(LABEL).hasSizeLessThanOrEqualTo(63);
        assertThat(E2eJobName.of(name, checksum)).isEqualTo(job);
    }

    @Property
    void theSeedsNameIsKeptWhenItFits(@ForAll @AlphaChars @Chars({'-'}) @StringLength(min = 1, max = 30) String raw,
                                      @ForAll @NumericChars @StringLength(min = 1, max = 10) String checksum) {
        String name = "a" + raw.toLowerCase().replaceAll("-+", "-").replaceAll("-$", "") + "z";
        assertThat(E2eJobName.of(name, checksum)).isEqualTo("e2e-" + name + "-" + checksum);
    }

    @Property
    void differentLongNamesGetDifferentJobs(@ForAll @AlphaChars @StringLength(min = 70, max = 90) String a,
                                            @ForAll @AlphaChars @StringLength(min = 70, max = 90) String b) {
        if (!a.equals(b)) {
            assertThat(E2eJobName.of(a, "85d557f47b")).isNotEqualTo(E2eJobName.of(b, "85d557f47b"));
        }
    }

    @Test
    void seedExample() {
        assertThat(E2eJobName.of("my-app", "85d557f47b")).isEqualTo("e2e-my-app-85d557f47b");
    }

    @Test
    void aSeventyCharacterJobNameIsShortenedWithAStableHash() {
        String name = "checkout-service-with-a-very-long-canary-name-for-testing";
        String job = E2eJobName.of(name, "85d557f47b");
        assertThat(("e2e-" + name + "-85d557f47b").length()).isGreaterThan(63);
        assertThat(job).hasSizeLessThanOrEqualTo(63).startsWith("e2e-checkout-service").matches(LABEL);
        assertThat(job).isEqualTo(E2eJobName.of(name, "85d557f47b"));
    }
}
