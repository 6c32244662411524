package dev.ephemera.ports.claims;

import java.util.List;
import java.util.Optional;

/**
 * A claim object's {@code spec} as written, before any validation: scalars as their text (a number
 * or boolean given where text belongs is its text), so that the application, not the adapter, says
 * what is wrong with it. Absent fields are empty.
 */
public record ClaimSpec(Optional<String> backend, Optional<String> ownerRepository, Optional<String> ownerPullRequest,
                        Optional<String> ttl, Optional<String> size, Optional<String> location, Optional<String> kubernetesVersion,
                        List<String> pushTo, Optional<String> heartbeat, Optional<String> tearDownCluster,
                        Optional<String> keepOnFailure) {
    public ClaimSpec {
        backend = orEmpty(backend);
        ownerRepository = orEmpty(ownerRepository);
        ownerPullRequest = orEmpty(ownerPullRequest);
        ttl = orEmpty(ttl);
        size = orEmpty(size);
        location = orEmpty(location);
        kubernetesVersion = orEmpty(kubernetesVersion);
        pushTo = pushTo == null ? List.of() : List.copyOf(pushTo);
        heartbeat = orEmpty(heartbeat);
        tearDownCluster = orEmpty(tearDownCluster);
        keepOnFailure = orEmpty(keepOnFailure);
    }

    private static Optional<String> orEmpty(Optional<String> o) {
        return o == null ? Optional.empty() : o.filter(s -> !s.isBlank());
    }
}
