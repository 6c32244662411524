package dev.ephemera.ports.workload;

import dev.ephemera.domain.secret.Secret;

/** What the token controller filled in: the static token and the cluster CA ({@code ca.crt}). */
public record CiCredentials(Secret token, String caPem) {
}
