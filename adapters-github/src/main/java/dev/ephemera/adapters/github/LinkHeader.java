package dev.ephemera.adapters.github;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads RFC 8288 {@code Link} headers as GitHub sends them for pagination. */
final class LinkHeader {
    private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^;,]+)*)");
    private static final Pattern REL = Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]+)\"?");

    private LinkHeader() {
    }

    /** The target of the link with relation {@code rel} (e.g. {@code next}), exactly as given. */
    static Optional<String> find(String header, String rel) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = LINK.matcher(header);
        while (m.find()) {
            Matcher r = REL.matcher(m.group(2));
            while (r.find()) {
                for (String one : r.group(1).trim().split("\\s+")) {
                    if (one.equalsIgnoreCase(rel)) {
                        return Optional.of(m.group(1));
                    }
                }
            }
        }
        return Optional.empty();
    }
}
