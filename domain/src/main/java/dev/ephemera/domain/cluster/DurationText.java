package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in CLI flags and configuration: {@code 3d}, {@code 1h30m}, {@code 90s}, {@code 500ms},
 * and a bare {@code 0} (zero needs no unit; settings that document zero as "off" take it, and those that need a
 * positive duration refuse it themselves).
 */
public final class DurationText {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|d|h|m|s)");

    private DurationText() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw EphemeraException.invalid("a duration is required, e.g. 3d, 1h, 15m, 30s");
        }
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                return Duration.parse(t);
            } catch (java.time.format.DateTimeParseException e) {
                throw EphemeraException.invalid("duration '" + text + "' is invalid: write e.g. 3d, 1h30m, 15m, 30s");
            }
        }
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                throw EphemeraException.invalid("duration '" + text + "' is invalid: write e.g. 3d, 1h30m, 15m, 30s, 500ms");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            at = m.end();
        }
        return total;
    }

    /** The shortest text that {@link #parse} reads back to the same duration. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            b.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            b.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            b.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0) {
            b.append(d.toSecondsPart()).append('s');
        }
        if (d.toMillisPart() > 0) {
            b.append(d.toMillisPart()).append("ms");
        }
        return b.toString();
    }
}
