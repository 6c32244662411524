package dev.ephemera.domain.cost;

import dev.ephemera.domain.error.EphemeraException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The price of one server of a type in one location, as the provider states it (Hetzner's
 * {@code server_types[].prices[]}), and the provider's billing rule: every started hour at the
 * hourly price, but within one calendar month (UTC) never more than the monthly price. A server
 * costs from its creation to its deletion, running or not.
 *
 * @param serverType e.g. {@code cpx31}
 * @param location   e.g. {@code fsn1}
 * @param currency   ISO 4217 code of every amount
 */
public record ServerPrice(String serverType, String location, String currency, BigDecimal hourlyNet, BigDecimal hourlyGross,
                          BigDecimal monthlyNet, BigDecimal monthlyGross) {
    private static final Duration HOUR = Duration.ofHours(1);

    public ServerPrice {
        if (serverType == null || serverType.isBlank() || location == null || location.isBlank()) {
            throw EphemeraException.invalid("a server price needs a server type and a location");
        }
        for (BigDecimal b : new BigDecimal[] {hourlyNet, hourlyGross, monthlyNet, monthlyGross}) {
            if (Objects.requireNonNull(b, "price").signum() < 0) {
                throw EphemeraException.invalid("price of " + serverType + " in " + location + " is negative: " + b);
            }
        }
        Cost.zero(currency); // validates the currency
    }

    /**
     * What one server costs when it exists from {@code from} to {@code to}: per calendar month
     * (UTC) the started hours times the hourly price, capped at the monthly price. Nothing when
     * {@code to} is not after {@code from}.
     */
    public Cost costBetween(Instant from, Instant to) {
        Cost total = Cost.zero(currency);
        Instant start = from;
        while (start.isBefore(to)) {
            YearMonth month = YearMonth.from(start.atZone(ZoneOffset.UTC));
            Instant monthEnd = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant end = to.isBefore(monthEnd) ? to : monthEnd;
            long hours = startedHours(Duration.between(start, end));
            BigDecimal h = BigDecimal.valueOf(hours);
            total = total.plus(new Cost(hourlyNet.multiply(h).min(monthlyNet), hourlyGross.multiply(h).min(monthlyGross), currency));
            start = end;
        }
        return total;
    }

    private static long startedHours(Duration d) {
        long whole = d.dividedBy(HOUR);
        return d.equals(HOUR.multipliedBy(whole)) ? whole : whole + 1;
    }

    /** E.g. {@code cpx31 in fsn1: €0.0267/h, at most €16.65/month (gross)}. */
    public String text() {
        String s = currency.equals("EUR") ? "€" : currency + " ";
        return serverType + " in " + location + ": " + s + hourlyGross.stripTrailingZeros().toPlainString() + "/h, at most " + s
                + monthlyGross.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString() + "/month (gross)";
    }
}
