package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a cluster's DNS name is made, e.g. {@code pr-{number}-{repo}.{zone}} → {@code pr-42-shop.ephemeral.example.com}
 * (seed 003). Two patterns: one for clusters of a pull request, one for every other cluster
 * ({@code {id}.{zone}}). Placeholders: {@code {number}}, {@code {repo}}, {@code {owner}} (pull
 * requests only), {@code {id}} and {@code {zone}}. Placeholder values are made label-safe before they
 * are filled in (a repository {@code my.app} gives {@code my-app}, never a deeper name), and each
 * label of the result is sanitised like a cluster id (lowercase letters, digits and '-'); a label longer than 63 characters is cut and ends
 * in {@code -} plus 8 hex digits of its SHA-256, so names stay stable and distinct.
 *
 * @param prPattern    the name of a pull request's cluster; must contain {@code {number}} or {@code {id}}
 * @param otherPattern the name of any other cluster; must contain {@code {id}}
 * @param zone         the zone, filled in for {@code {zone}}, e.g. {@code ephemeral.example.com}
 */
public record DnsNamePattern(String prPattern, String otherPattern, String zone) {
    public static final String DEFAULT_PR = "pr-{number}-{repo}.{zone}";
    public static final String DEFAULT_OTHER = "{id}.{zone}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 253;
    private static final int HASH_CHARS = 8;

    public DnsNamePattern {
        if (zone == null || zone.isBlank()) {
            throw EphemeraException.invalid("a DNS zone is required, e.g. ephemeral.example.com");
        }
        zone = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        for (String label : zone.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw EphemeraException.invalid("DNS zone '" + zone + "' is not a DNS name: lowercase labels of letters, digits and '-' "
                        + "separated by dots, e.g. ephemeral.example.com");
            }
        }
        check(prPattern, "the pull-request name pattern", List.of("number", "repo", "owner", "id", "zone"));
        check(otherPattern, "the name pattern", List.of("id", "zone"));
        if (!prPattern.contains("{number}") && !prPattern.contains("{id}")) {
            throw EphemeraException.invalid("the pull-request name pattern '" + prPattern + "' lacks {number} and {id}: pull requests "
                    + "would share one name; use e.g. " + DEFAULT_PR);
        }
        if (!otherPattern.contains("{id}")) {
            throw EphemeraException.invalid("the name pattern '" + otherPattern + "' lacks {id}: every cluster would get the same name; use e.g. "
                    + DEFAULT_OTHER);
        }
    }

    /** The seed's patterns under {@code zone}. */
    public static DnsNamePattern defaults(String zone) {
        return new DnsNamePattern(DEFAULT_PR, DEFAULT_OTHER, zone);
    }

    private static void check(String pattern, String what, List<String> allowed) {
        if (pattern == null || pattern.isBlank()) {
            throw EphemeraException.invalid(what + " is empty");
        }
        Matcher m = PLACEHOLDER.matcher(pattern);
        while (m.find()) {
            if (!allowed.contains(m.group(1))) {
                throw EphemeraException.invalid(what + " '" + pattern + "' has an unknown placeholder {" + m.group(1) + "}: use "
                        + String.join(", ", allowed.stream().map(a -> "{" + a + "}").toList()));
            }
        }
        if (pattern.replaceAll("\\{[a-z]+}", "").matches(".*[{}].*")) {
            throw EphemeraException.invalid(what + " '" + pattern + "' has an unclosed brace");
        }
    }

    /**
     * The fully qualified name (no trailing dot) of cluster {@code id} owned by {@code owner}.
     *
     * @throws EphemeraException INVALID if the name would be longer than 253 characters
     */
    public String nameFor(ClusterId id, Optional<Owner> owner) {
        String raw;
        if (owner.isPresent() && owner.get().pullRequest().isPresent()) {
            String repository = owner.get().repository();
            int slash = repository.indexOf('/');
            // Values are made label-safe first, so a repository named like "my.app" cannot add a level to the name.
            raw = prPattern.replace("{number}", Integer.toString(owner.get().pullRequest().get()))
                    .replace("{repo}", sanitise(repository.substring(slash + 1))).replace("{owner}", sanitise(repository.substring(0, slash)));
        } else {
            raw = otherPattern;
        }
        raw = raw.replace("{id}", id.value());
        // The zone is already valid; only what the pattern made around it is sanitised label by label.
        String zoneMark = "\u0000";
        raw = raw.replace("{zone}", zoneMark);
        List<String> labels = new ArrayList<>();
        for (String part : raw.split("\\.")) {
            if (part.equals(zoneMark)) {
                labels.add(zone);
            } else if (!part.isEmpty()) {
                labels.add(label(part));
            }
        }
        if (labels.isEmpty()) {
            throw EphemeraException.invalid("the name pattern gave no name for cluster " + id);
        }
        String name = String.join(".", labels);
        if (name.length() > MAX_NAME) {
            throw EphemeraException.invalid("the DNS name '" + name + "' of cluster " + id + " is longer than 253 characters: shorten the "
                    + "name pattern or the zone");
        }
        return name;
    }

    /** Lowercase; every run of other characters becomes one '-'; no '-' at either end; never empty. */
    private static String sanitise(String raw) {
        String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "x" : s;
    }

    private static String label(String raw) {
        String s = sanitise(raw);
        if (s.length() <= MAX_LABEL) {
            return s;
        }
        String head = s.substring(0, MAX_LABEL - HASH_CHARS - 1).replaceAll("-+$", "");
        return head + "-" + sha256Hex(s).substring(0, HASH_CHARS);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
