package dev.ephemera.ports.diagnostics;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One namespaced object.
 *
 * @param kind      e.g. {@code Pod}, {@code Deployment}
 * @param namespace its namespace
 * @param name      its name
 * @param created   its creation time
 * @param status    a short status like {@code kubectl get} shows (e.g. {@code 1/3 ready}, {@code Bound})
 * @param json      the object as JSON; for a Secret, without {@code data}, {@code stringData} and annotations
 */
public record ResourceItem(String kind, String namespace, String name, Optional<Instant> created, String status, String json) {
    public ResourceItem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(json, "json");
    }
}
