package dev.ephemera.ports.canary;

import dev.ephemera.domain.canary.E2ESpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What to create: a Job named {@code name} in {@code namespace}, running {@code spec}'s container
 * with {@code environment} added to its env (these win over same-named spec entries).
 *
 * @param labels      on the Job and its pods (the managed-by labels the cache selects on)
 * @param annotations on the Job, for people reading it
 */
public record JobRequest(
        String namespace,
        String name,
        E2ESpec spec,
        Map<String, String> environment,
        Map<String, String> labels,
        Map<String, String> annotations) {

    public JobRequest {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNullElse(environment, Map.of())));
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNullElse(labels, Map.of())));
        annotations = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNullElse(annotations, Map.of())));
    }
}
