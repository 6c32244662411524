package dev.ephemera.server;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.util.Locale;

/**
 * What an API token may do. Each scope includes the ones before it: {@code read} sees clusters
 * and pools; {@code claim} also claims, renews, releases and deletes clusters and allocates and
 * releases addresses; {@code admin} also creates pools and reads any cluster's kubeconfig.
 */
public enum Scope {
    READ, CLAIM, ADMIN;

    public boolean includes(Scope needed) {
        return ordinal() >= needed.ordinal();
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Scope parse(String path, String text) {
        for (Scope s : values()) {
            if (s.text().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new EphemeraException(ErrorCode.CONFIGURATION, path + " must be read, claim or admin, got '" + text + "'");
    }
}
