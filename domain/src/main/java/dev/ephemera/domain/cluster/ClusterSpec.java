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
 * @param loadImages        images of the local Docker engine to load into the nodes before the cluster is Ready
 *                          ({@code --load-image}; local backends only)
 */
public record ClusterSpec(Optional<String> kubernetesVersion, Optional<String> size, Optional<String> location,
                          Map<String, String> labels, List<String> addons, List<String> loadImages) {
    public ClusterSpec {
        kubernetesVersion = kubernetesVersion == null ? Optional.empty() : kubernetesVersion;
        size = size == null ? Optional.empty() : size;
        location = location == null ? Optional.empty() : location;
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
        addons = addons == null ? List.of() : List.copyOf(addons);
        loadImages = loadImages == null ? List.of() : List.copyOf(new java.util.LinkedHashSet<>(loadImages));
        for (String image : loadImages) {
            if (image.isBlank() || image.length() > 512 || image.chars().anyMatch(ch -> Character.isWhitespace(ch) || Character.isISOControl(ch))) {
                throw EphemeraException.invalid("image '" + image + "' to load is not an image reference such as shop:pr-42");
            }
        }
        for (String k : labels.keySet()) {
            if (k.isBlank() || k.length() > 63 + 254) {
                throw EphemeraException.invalid("label key '" + k + "' is invalid");
            }
        }
    }

    /** A spec that loads no images. */
    public ClusterSpec(Optional<String> kubernetesVersion, Optional<String> size, Optional<String> location, Map<String, String> labels,
                       List<String> addons) {
        this(kubernetesVersion, size, location, labels, addons, List.of());
    }

    /** This spec with images to load before Ready. */
    public ClusterSpec withLoadImages(List<String> images) {
        return new ClusterSpec(kubernetesVersion, size, location, labels, addons, images);
    }

    public static ClusterSpec defaults() {
        return new ClusterSpec(Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), List.of());
    }
}
