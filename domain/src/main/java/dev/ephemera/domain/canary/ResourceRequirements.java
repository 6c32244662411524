package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Map;
import java.util.Objects;

/** Requests and limits of the test container, as quantity strings ({@code 256Mi}, {@code 100m}). */
public record ResourceRequirements(Map<String, String> requests, Map<String, String> limits) {
    public static final ResourceRequirements NONE = new ResourceRequirements(Map.of(), Map.of());

    public ResourceRequirements {
        requests = Map.copyOf(Objects.requireNonNullElse(requests, Map.of()));
        limits = Map.copyOf(Objects.requireNonNullElse(limits, Map.of()));
        check(requests, "requests");
        check(limits, "limits");
    }

    public boolean isEmpty() {
        return requests.isEmpty() && limits.isEmpty();
    }

    private static void check(Map<String, String> m, String what) {
        m.forEach((k, v) -> {
            if (k.isBlank() || v.isBlank()) {
                throw EphemeraException.invalid("resources." + what + " has an empty name or quantity: write e.g. memory: 256Mi");
            }
        });
    }
}
