package dev.ephemera.domain.warmpool;

import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One warm pool, as configured under {@code warm-pools.<name>} (docs/warm-pools.md): clusters of
 * one backend and spec kept Ready so a claim gets one at once, after Hive's ClusterPool.
 *
 * @param name            the pool's name, a DNS-1123 label of at most {@link #MAX_NAME} characters
 *                        (member ids are {@code <name>-<6 hex>})
 * @param backend         backend the members run on
 * @param spec            size, location and Kubernetes version of every member; a claim with the
 *                        same backend and these three values is served from the pool
 * @param size            Ready (or coming up) unclaimed members kept
 * @param maxSize         most members the pool holds at once, claimed ones included (Hive's
 *                        {@code maxSize}); at least {@code size}
 * @param maxConcurrent   most members provisioning at once
 * @param claimLifetime   lifetime of a claimed member when the claim names none
 * @param maxClaimLifetime longest lifetime a claim may ask for
 * @param hibernateAfter  an unclaimed member Ready this long is stopped where the backend can; empty: never
 * @param resumeTimeout   how long a claim waits for a hibernated member's {@code /readyz} before the
 *                        member is deleted (and replaced) and the next one is tried
 * @param whenEmpty       what a claim does when no member is Ready
 * @param waitTimeout     with {@code when-empty: wait}, how long a claim waits for a member
 */
public record WarmPoolSpec(String name, String backend, ClusterSpec spec, int size, int maxSize, int maxConcurrent,
                           Duration claimLifetime, Duration maxClaimLifetime, Optional<Duration> hibernateAfter,
                           Duration resumeTimeout, WhenEmpty whenEmpty, Duration waitTimeout) {
    public static final int MAX_NAME = 30;
    public static final Duration DEFAULT_CLAIM_LIFETIME = Duration.ofHours(4);
    public static final Duration DEFAULT_MAX_CLAIM_LIFETIME = Duration.ofDays(1);
    public static final Duration DEFAULT_RESUME_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMinutes(10);
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public WarmPoolSpec {
        if (name == null || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw EphemeraException.invalid("warm pool name '" + name + "' is invalid: use lower-case letters, digits and '-', at most "
                    + MAX_NAME + " characters");
        }
        if (backend == null || backend.isBlank()) {
            throw EphemeraException.invalid("warm pool " + name + " needs a backend");
        }
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(whenEmpty, "whenEmpty");
        hibernateAfter = hibernateAfter == null ? Optional.empty() : hibernateAfter.filter(d -> !d.isZero());
        if (!spec.labels().isEmpty() || !spec.addons().isEmpty()) {
            throw EphemeraException.invalid("warm pool " + name + ": members take size, location and kubernetes-version only");
        }
        if (size < 0) {
            throw EphemeraException.invalid("warm pool " + name + ": size must be 0 or more, got " + size);
        }
        if (maxSize < Math.max(1, size)) {
            throw EphemeraException.invalid("warm pool " + name + ": max-size must be at least size (" + size + ") and at least 1, got " + maxSize);
        }
        if (maxConcurrent < 1) {
            throw EphemeraException.invalid("warm pool " + name + ": max-concurrent must be at least 1, got " + maxConcurrent);
        }
        positive(name, "claim-lifetime", claimLifetime);
        positive(name, "claim-lifetime.maximum", maxClaimLifetime);
        positive(name, "resume-timeout", resumeTimeout);
        positive(name, "wait-timeout", waitTimeout);
        if (hibernateAfter.isPresent() && hibernateAfter.get().isNegative()) {
            throw EphemeraException.invalid("warm pool " + name + ": hibernate-after must be positive or 0 (off)");
        }
        if (claimLifetime.compareTo(maxClaimLifetime) > 0) {
            throw EphemeraException.invalid("warm pool " + name + ": claim-lifetime " + DurationText.format(claimLifetime)
                    + " is longer than its maximum " + DurationText.format(maxClaimLifetime));
        }
    }

    /** A pool with the defaults: no hibernation, fall back to a normal claim when empty. */
    public static WarmPoolSpec of(String name, String backend, ClusterSpec spec, int size) {
        return new WarmPoolSpec(name, backend, spec, size, Math.max(1, size) * 2, Math.max(1, size), DEFAULT_CLAIM_LIFETIME,
                DEFAULT_MAX_CLAIM_LIFETIME, Optional.empty(), DEFAULT_RESUME_TIMEOUT, WhenEmpty.FALLBACK, DEFAULT_WAIT_TIMEOUT);
    }

    /**
     * Whether a claim on {@code claimBackend} for {@code claimSpec} is one this pool serves: same
     * backend, same size, location and version (absent meaning the backend's default on both
     * sides), and no labels or addons the members do not have.
     */
    public boolean matches(String claimBackend, ClusterSpec claimSpec) {
        return backend.equals(claimBackend) && spec.size().equals(claimSpec.size()) && spec.location().equals(claimSpec.location())
                && spec.kubernetesVersion().equals(claimSpec.kubernetesVersion()) && claimSpec.labels().isEmpty()
                && claimSpec.addons().isEmpty();
    }

    /**
     * The lifetime of a claimed member: the claim's own, or the pool's default.
     *
     * @throws EphemeraException INVALID when the claim asks for more than the pool's maximum
     */
    public Duration lifetimeFor(Optional<Duration> asked) {
        Duration d = asked.orElse(claimLifetime);
        if (d.compareTo(maxClaimLifetime) > 0) {
            throw EphemeraException.invalid("ttl " + DurationText.format(d) + " is longer than warm pool " + name + " allows ("
                    + DurationText.format(maxClaimLifetime) + ", warm-pools." + name + ".claim-lifetime.maximum)");
        }
        return d;
    }

    private static void positive(String pool, String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw EphemeraException.invalid("warm pool " + pool + ": " + key + " must be a positive duration, got " + d);
        }
    }
}
