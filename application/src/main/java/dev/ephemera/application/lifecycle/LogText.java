package dev.ephemera.application.lifecycle;

/** Event fields (repository and branch names, labels, logins) made safe for one log line. */
final class LogText {
    private static final int MAX = 200;

    private LogText() {
    }

    /** Control characters and quotes as {@code \\uXXXX}, at most 200 characters, in double quotes. */
    static String escape(String s) {
        if (s == null) {
            return "\"\"";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 2).append('"');
        for (int i = 0; i < s.length() && i < MAX; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > MAX) {
            b.append("…");
        }
        return b.append('"').toString();
    }
}
