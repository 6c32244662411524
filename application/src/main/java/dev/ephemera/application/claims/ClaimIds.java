package dev.ephemera.application.claims;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.claims.ClaimRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The cluster id of a claim object: its name (cut to fit, dots as dashes) and eight hex digits of a
 * SHA-256 of {@code namespace/name}, so {@code pr-42} in two namespaces are two clusters and the same
 * object always names the same cluster, on any server process.
 */
public final class ClaimIds {
    private static final int HASH_CHARS = 8;

    private ClaimIds() {
    }

    public static ClusterId of(ClaimRef ref) {
        String base = ref.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        int room = ClusterId.MAX_LENGTH - HASH_CHARS - 1;
        if (base.length() > room) {
            base = base.substring(0, room);
        }
        base = base.replaceAll("-+$", "");
        String hash = hash(ref.namespace() + "/" + ref.name());
        return ClusterId.of(base.isEmpty() ? "ec-" + hash : base + "-" + hash);
    }

    private static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
