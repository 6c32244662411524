package dev.ephemera.domain.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A server's price over a lifetime, billed as Hetzner bills")
class ServerPriceTest {
    // cpx31 in fsn1 as Hetzner lists it (net; gross with 19 % VAT).
    private static final ServerPrice CPX31 = new ServerPrice("cpx31", "fsn1", "EUR", new BigDecimal("0.0224"), new BigDecimal("0.0267"),
            new BigDecimal("13.9900"), new BigDecimal("16.6481"));
    private static final Instant MAY_10 = Instant.parse("2026-05-10T08:00:00Z");

    @Test
    @DisplayName("every started hour costs the hourly price")
    void startedHours() {
        assertThat(CPX31.costBetween(MAY_10, MAY_10.plus(Duration.ofMinutes(1))).net()).isEqualByComparingTo("0.0224");
        assertThat(CPX31.costBetween(MAY_10, MAY_10.plus(Duration.ofHours(1))).net()).isEqualByComparingTo("0.0224");
        assertThat(CPX31.costBetween(MAY_10, MAY_10.plus(Duration.ofMinutes(61))).net()).isEqualByComparingTo("0.0448");
        Cost threeDays = CPX31.costBetween(MAY_10, MAY_10.plus(Duration.ofDays(3)));
        assertThat(threeDays.net()).isEqualByComparingTo("1.6128"); // 72 h
        assertThat(threeDays.gross()).isEqualByComparingTo("1.9224");
        assertThat(threeDays.text()).isEqualTo("€1.92 (net €1.61)");
    }

    @Test
    @DisplayName("within one calendar month the hourly total is capped at the monthly price")
    void cappedAtTheMonthlyPrice() {
        Cost month = CPX31.costBetween(Instant.parse("2026-05-01T00:00:00Z"), Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(month.net()).isEqualByComparingTo("13.99"); // 744 h × 0.0224 = 16.67 > 13.99
        assertThat(month.gross()).isEqualByComparingTo("16.6481");
    }

    @Test
    @DisplayName("a lifetime across a month boundary is capped per month")
    void cappedPerMonth() {
        // 30 days in May (720 h: capped), then 2 days in June (48 h).
        Cost c = CPX31.costBetween(Instant.parse("2026-05-02T00:00:00Z"), Instant.parse("2026-06-03T00:00:00Z"));
        assertThat(c.net()).isEqualByComparingTo(new BigDecimal("13.99").add(new BigDecimal("0.0224").multiply(BigDecimal.valueOf(48))));
    }

    @Test
    @DisplayName("nothing before it exists")
    void nothing() {
        assertThat(CPX31.costBetween(MAY_10, MAY_10).net()).isZero();
        assertThat(CPX31.costBetween(MAY_10, MAY_10.minusSeconds(5)).gross()).isZero();
    }

    @Test
    @DisplayName("states its price in one line, and refuses negative prices and unknown currency codes")
    void textAndValidation() {
        assertThat(CPX31.text()).isEqualTo("cpx31 in fsn1: €0.0267/h, at most €16.65/month (gross)");
        assertThatThrownBy(() -> new ServerPrice("cpx31", "fsn1", "EUR", new BigDecimal("-1"), BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> new ServerPrice("cpx31", "fsn1", "euro", BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("ISO 4217");
    }
}
