package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a pull request's cluster is named, e.g. {@code pr-{number}-{repo}} → {@code pr-42-shop}.
 * Placeholders: {@code {number}} (required, so every pull request gets its own id), {@code {repo}}
 * (the repository's name) and {@code {owner}}. The result is sanitised to the {@link ClusterId}
 * rule (lowercase letters, digits and '-'); beyond {@link ClusterId#MAX_LENGTH} characters it is
 * cut and ends in {@code -} plus 8 hex digits of the SHA-256 of the whole sanitised name, so the
 * same pull request always gets the same id and long names still differ.
 */
public record ClusterIdPattern(String pattern) {
    public static final String DEFAULT = "pr-{number}-{repo}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final int HASH_CHARS = 8;

    public ClusterIdPattern {
        if (pattern == null || pattern.isBlank()) {
            throw EphemeraException.invalid("the cluster id pattern is empty: use e.g. " + DEFAULT);
        }
        Matcher m = PLACEHOLDER.matcher(pattern);
        boolean number = false;
        while (m.find()) {
            switch (m.group(1)) {
                case "number" -> number = true;
                case "repo", "owner" -> { }
                default -> throw EphemeraException.invalid("the cluster id pattern '" + pattern + "' has an unknown placeholder {"
                        + m.group(1) + "}: use {number}, {repo} and {owner}");
            }
        }
        if (!number) {
            throw EphemeraException.invalid("the cluster id pattern '" + pattern + "' lacks {number}: every pull request needs its own id, e.g. "
                    + DEFAULT);
        }
    }

    public static ClusterIdPattern defaults() {
        return new ClusterIdPattern(DEFAULT);
    }

    /**
     * The id for pull request {@code number} of {@code OWNER/REPO}.
     *
     * @throws EphemeraException INVALID for a repository that is not {@code OWNER/REPO} or a number below 1
     */
    public ClusterId idFor(String repository, int number) {
        int slash = repository == null ? -1 : repository.indexOf('/');
        if (slash <= 0 || slash == repository.length() - 1 || repository.indexOf('/', slash + 1) >= 0) {
            throw EphemeraException.invalid("repository '" + repository + "' is invalid: write OWNER/REPO");
        }
        if (number < 1) {
            throw EphemeraException.invalid("pull request number must be positive, got " + number);
        }
        String raw = pattern.replace("{number}", Integer.toString(number))
                .replace("{repo}", repository.substring(slash + 1))
                .replace("{owner}", repository.substring(0, slash));
        return ClusterId.of(shorten(sanitise(raw)));
    }

    /** Lowercase; every run of other characters becomes one '-'; no '-' at either end; never empty. */
    static String sanitise(String raw) {
        String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "pr" : s;
    }

    private static String shorten(String s) {
        if (s.length() <= ClusterId.MAX_LENGTH) {
            return s;
        }
        String head = s.substring(0, ClusterId.MAX_LENGTH - HASH_CHARS - 1).replaceAll("-+$", "");
        return head + "-" + sha256Hex(s).substring(0, HASH_CHARS);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return pattern;
    }
}
