package dev.ephemera.domain.kubeconfig;

import dev.ephemera.domain.secret.Secret;

/** How a kubeconfig user authenticates. */
public sealed interface KubeUser {
    /** A bearer token, e.g. a service-account token. */
    record Token(Secret token) implements KubeUser {
        public Token {
            if (token == null || token.isEmpty()) {
                throw new IllegalArgumentException("token must not be empty");
            }
        }
    }

    /** A client certificate (PEM) and its private key (PEM). */
    record ClientCertificate(String certificatePem, Secret keyPem) implements KubeUser {
        public ClientCertificate {
            if (certificatePem == null || !certificatePem.contains("BEGIN CERTIFICATE")) {
                throw new IllegalArgumentException("client certificate must be PEM");
            }
            if (keyPem == null || !keyPem.reveal().contains("PRIVATE KEY")) {
                throw new IllegalArgumentException("client key must be a PEM private key");
            }
        }
    }
}
