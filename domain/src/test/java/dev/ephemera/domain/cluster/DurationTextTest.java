package dev.ephemera.domain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {
    @Test
    void aBareZeroIsZeroSoSettingsThatDocumentZeroAsOffAcceptIt() {
        assertThat(DurationText.parse("0")).isZero();
        assertThat(DurationText.parse(" 0 ")).isZero();
        assertThatThrownBy(() -> DurationText.parse("5")).isInstanceOf(EphemeraException.class).hasMessageContaining("invalid");
    }

    @Test
    void subSecondDurationsAreFormattedInMilliseconds() {
        assertThat(DurationText.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1s500ms");
        assertThat(DurationText.parse(DurationText.format(Duration.ofMillis(100)))).isEqualTo(Duration.ofMillis(100));
        assertThat(DurationText.format(Duration.ofHours(25).plusMinutes(30))).isEqualTo("1d1h30m");
    }
}
