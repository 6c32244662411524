package dev.ephemera.application.report;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/** Small text helpers shared by the renderers: aligned columns, Markdown cells and fences, times. */
final class Text {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Text() {
    }

    /** Rows as left-aligned columns separated by three spaces, like {@code kubectl get}. */
    static String columns(List<List<String>> rows) {
        int n = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] width = new int[n];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(r.get(i));
                if (i + 1 < r.size()) {
                    line.append(" ".repeat(width[i] - r.get(i).length() + 3));
                }
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** A Markdown table cell: one line, pipes escaped. */
    static String cell(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("<", "&lt;");
    }

    /** A fenced code block that no backticks inside can end early. */
    static String fence(String body) {
        int longest = 0;
        int run = 0;
        for (char c : body.toCharArray()) {
            run = c == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String f = "`".repeat(Math.max(3, longest + 1));
        return f + "text\n" + body + (body.endsWith("\n") ? "" : "\n") + f + "\n";
    }

    static String time(Instant i) {
        return TIME.format(i);
    }

    static String time(Optional<Instant> i) {
        return i.map(Text::time).orElse("-");
    }

    /** Age like kubectl's: 45s, 12m, 3h, 2d. */
    static String age(Optional<Instant> created, Instant now) {
        if (created.isEmpty()) {
            return "-";
        }
        Duration d = Duration.between(created.get(), now);
        if (d.isNegative()) {
            return "0s";
        }
        if (d.toSeconds() < 120) {
            return d.toSeconds() + "s";
        }
        if (d.toMinutes() < 120) {
            return d.toMinutes() + "m";
        }
        if (d.toHours() < 48) {
            return d.toHours() + "h";
        }
        return d.toDays() + "d";
    }

    /** The last {@code n} lines of a text. */
    static String lastLines(String text, int n) {
        String[] lines = text.split("\n", -1);
        int end = lines.length;
        if (end > 0 && lines[end - 1].isEmpty()) {
            end--;
        }
        int from = Math.max(0, end - n);
        return String.join("\n", java.util.Arrays.asList(lines).subList(from, end));
    }
}
