package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The name of a canary's test Job: {@code e2e-{name}-{checksum}} as seed 001 makes it,
 * sanitised to a DNS-1123 label and, when longer than 63 characters, cut and given a stable
 * hash suffix so two different canaries never share a name.
 */
public final class E2eJobName {
    public static final int MAX_LENGTH = 63;
    /** Hex characters of SHA-256 kept in the suffix of a shortened name. */
    static final int HASH_LENGTH = 10;

    private E2eJobName() {
    }

    public static String of(String canaryName, String checksum) {
        if (canaryName == null || canaryName.isBlank()) {
            throw EphemeraException.invalid("canary name is required");
        }
        if (checksum == null || checksum.isBlank()) {
            throw EphemeraException.invalid("checksum is required");
        }
        String raw = "e2e-" + canaryName + "-" + checksum;
        String clean = sanitise(raw);
        if (clean.length() <= MAX_LENGTH && clean.equals(raw)) {
            return clean;
        }
        // Too long, or sanitising changed it (so two raw names could collide): cut and add a hash of the raw name.
        return withHash(clean, raw);
    }

    private static String withHash(String clean, String raw) {
        String hash = sha256Hex(raw).substring(0, HASH_LENGTH);
        int keep = Math.min(clean.length(), MAX_LENGTH - HASH_LENGTH - 1);
        String head = trimDashes(clean.substring(0, keep));
        return head.isEmpty() ? "e2e-" + hash : head + "-" + hash;
    }

    /** Lowercase, every run of characters outside {@code [a-z0-9]} becomes one '-', no '-' at the ends. */
    static String sanitise(String raw) {
        String lower = raw.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(lower.length());
        boolean dash = false;
        for (char c : lower.toCharArray()) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (ok) {
                b.append(c);
                dash = false;
            } else if (!dash) {
                b.append('-');
                dash = true;
            }
        }
        return trimDashes(b.toString());
    }

    private static String trimDashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '-') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '-') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
