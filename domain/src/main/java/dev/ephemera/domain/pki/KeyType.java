package dev.ephemera.domain.pki;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Key algorithm of every key in a cluster's PKI bundle. */
public enum KeyType {
    ECDSA_P256("ecdsa-p256"), RSA_2048("rsa-2048"), RSA_4096("rsa-4096");

    private final String id;

    KeyType(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static KeyType parse(String text) {
        for (KeyType k : values()) {
            if (k.id.equalsIgnoreCase(text == null ? "" : text.trim())) {
                return k;
            }
        }
        throw EphemeraException.invalid("key type '" + text + "' is unknown: use one of "
                + Arrays.stream(values()).map(KeyType::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
