package dev.ephemera.ports.workload;

import dev.ephemera.domain.secret.Secret;
import java.net.URI;

/** How Ephemera itself reaches a new cluster's API server: its CA and an admin client certificate. */
public record AdminAccess(URI server, String caPem, String clientCertPem, Secret clientKeyPem) {
    @Override
    public String toString() {
        return "AdminAccess[" + server + "]";
    }
}
