package dev.ephemera.domain.secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Secret material (a token, a private key, a kubeconfig with credentials). It never prints
 * itself: {@link #toString()} is redacted, and the bytes are reached only through
 * {@link #reveal()} or {@link #revealBytes()} at the point of use.
 */
public final class Secret {
    private final byte[] value;

    private Secret(byte[] value) {
        this.value = value.clone();
    }

    public static Secret of(String value) {
        if (value == null) {
            throw new IllegalArgumentException("secret value must not be null");
        }
        return new Secret(value.getBytes(StandardCharsets.UTF_8));
    }

    public static Secret ofBytes(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("secret value must not be null");
        }
        return new Secret(value);
    }

    /** The value as UTF-8 text. */
    public String reveal() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** A copy of the raw bytes. */
    public byte[] revealBytes() {
        return value.clone();
    }

    public int length() {
        return value.length;
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Constant-time comparison, so equality checks do not leak the value through timing. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
