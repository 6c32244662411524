package dev.ephemera.domain.cost;

import dev.ephemera.domain.error.EphemeraException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * An amount of money, net (without VAT) and gross (with the provider's VAT), in one currency.
 *
 * @param currency ISO 4217 code, e.g. {@code EUR}
 */
public record Cost(BigDecimal net, BigDecimal gross, String currency) {
    public Cost {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(gross, "gross");
        if (net.signum() < 0 || gross.signum() < 0) {
            throw EphemeraException.invalid("a cost cannot be negative, got net " + net + " and gross " + gross);
        }
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            throw EphemeraException.invalid("currency must be an ISO 4217 code such as EUR, got '" + currency + "'");
        }
    }

    public static Cost zero(String currency) {
        return new Cost(BigDecimal.ZERO, BigDecimal.ZERO, currency);
    }

    public Cost plus(Cost other) {
        if (!currency.equals(other.currency)) {
            throw EphemeraException.invalid("cannot add " + other.currency + " to " + currency);
        }
        return new Cost(net.add(other.net), gross.add(other.gross), currency);
    }

    /** E.g. {@code €0.58 (net €0.49)}: gross first, as an invoice shows it, both to the cent. */
    public String text() {
        return symbol() + cents(gross) + " (net " + symbol() + cents(net) + ")";
    }

    private String symbol() {
        return switch (currency) {
            case "EUR" -> "€";
            case "USD" -> "$";
            default -> currency + " ";
        };
    }

    private static String cents(BigDecimal b) {
        return b.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
