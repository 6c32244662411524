package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a cluster should be. Empty optionals mean "the backend's default".
 *
 * @param kubernetesVersion e.g. {@code v1.30.6+k3s1}
 * @param size              a backend-specific size, e.g. a Hetzner server type {@code cpx31}
 * @param location          a backend-specific location, e.g. {@code fsn1}
 * @param labels            extra labels for every resource; keys and values are not secret
 * @param addons            names of addon manifests to apply in phases
 */
public record ClusterSpec(Optional<String> kubernetesVersion, Optional<String> size, Optional<String> location,
                          Map<String, String> labels, List<String> addons) {
    public ClusterSpec {
        kubernetesVersion = kubernetesVersion == null ? Optional.empty() : kubernetesVersion;
        size = size == null ? Optional.empty() : size;
        location = location == null ? Optional.empty() : location;
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
        addons = addons == null ? List.of() : List.copyOf(addons);
        for (String k : labels.keySet()) {
            if (k.isBlank() || k.length() > 63 + 254) {
                throw EphemeraException.invalid("label key '" + k + "' is invalid");
            }
        }
    }

    public static ClusterSpec defaults() {
        return new ClusterSpec(Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), List.of());
    }
}
