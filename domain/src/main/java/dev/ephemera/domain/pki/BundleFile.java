package dev.ephemera.domain.pki;

import dev.ephemera.domain.secret.Secret;

/**
 * One file of a PKI bundle.
 *
 * @param path       relative path, '/'-separated, e.g. {@code k3s/server/tls/server-ca.key}
 * @param content    the file content (PEM)
 * @param privateKey true when the content is a private key: written {@code 0600}, never logged
 */
public record BundleFile(String path, Secret content, boolean privateKey) {
    public BundleFile {
        if (path == null || path.isBlank() || path.startsWith("/") || path.contains("..")) {
            throw new IllegalArgumentException("bundle file path must be relative without '..': " + path);
        }
    }
}
