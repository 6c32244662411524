package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/** A repository as {@code OWNER/REPO}, validated so it can be put into a URL path as it is. */
record Repo(String owner, String name) {
    // GitHub owners are alphanumeric with single hyphens; repository names add '.' and '_'.
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    Repo {
        if (owner == null || !OWNER.matcher(owner).matches() || name == null || !NAME.matcher(name).matches()
                || name.equals(".") || name.equals("..")) {
            throw EphemeraException.invalid("repository '" + owner + "/" + name + "' is invalid: write OWNER/REPO, e.g. acme/shop");
        }
    }

    static Repo parse(String text) {
        if (text == null) {
            throw EphemeraException.invalid("a GitHub repository is needed: write OWNER/REPO, e.g. acme/shop");
        }
        String t = text.trim();
        int slash = t.indexOf('/');
        if (slash <= 0 || slash != t.lastIndexOf('/')) {
            throw EphemeraException.invalid("repository '" + text + "' is invalid: write OWNER/REPO, e.g. acme/shop");
        }
        return new Repo(t.substring(0, slash), t.substring(slash + 1));
    }

    /** {@code /repos/OWNER/REPO}. */
    String path() {
        return "/repos/" + owner + "/" + name;
    }

    /** A key that treats names as GitHub does, without regard to case. */
    String key() {
        return toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return owner + "/" + name;
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters stay), e.g. an environment name with a slash. */
    static String segment(String raw) {
        StringBuilder out = new StringBuilder();
        for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
