package dev.ephemera.domain.kubeconfig;

import dev.ephemera.domain.error.EphemeraException;
import java.net.URI;
import java.util.Optional;

/**
 * A kubeconfig with one cluster, one user and one context, as CI needs it.
 *
 * @param name      name of the cluster, user and context entries
 * @param server    API server URL
 * @param caPem     the cluster CA certificate(s), PEM; embedded as {@code certificate-authority-data}
 * @param user      how the user authenticates
 * @param namespace default namespace of the context
 */
public record Kubeconfig(String name, URI server, String caPem, KubeUser user, Optional<String> namespace) {
    public Kubeconfig {
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("kubeconfig name must not be empty");
        }
        if (server == null || !"https".equals(server.getScheme()) || server.getHost() == null) {
            throw EphemeraException.invalid("server '" + server + "' is invalid: use an https URL such as https://203.0.113.10:6443");
        }
        if (caPem == null || !caPem.contains("BEGIN CERTIFICATE")) {
            throw EphemeraException.invalid("the CA must be a PEM certificate");
        }
        if (user == null) {
            throw EphemeraException.invalid("a kubeconfig needs a user");
        }
        namespace = namespace == null ? Optional.empty() : namespace;
    }

    @Override
    public String toString() {
        return "Kubeconfig[" + name + " @ " + server + ", user " + user.getClass().getSimpleName() + "]";
    }
}
