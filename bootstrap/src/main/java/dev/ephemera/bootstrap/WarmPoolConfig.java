package dev.ephemera.bootstrap;

import dev.ephemera.application.warmpool.WarmPoolSettings;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import dev.ephemera.domain.warmpool.WhenEmpty;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the {@code warm-pools:} section (docs/warm-pools.md): a map of pool name to its settings.
 * Every error is one line naming the key, as elsewhere in the configuration.
 */
public final class WarmPoolConfig {
    /** The settings of one pool, {@code warm-pools.<name>.*}. */
    public static final List<SettingSpec> POOL = List.of(
            SettingSpec.optional("backend", "Backend the members run on.", "the top-level backend"),
            SettingSpec.optional("spec", "Members' size, location and kubernetes-version (a map); a claim with the same values is served from the pool.", null),
            SettingSpec.optional("size", "Unclaimed members kept Ready (or coming up).", "1"),
            SettingSpec.optional("max-size", "Most live members at once, claimed ones included.", "2 x size"),
            SettingSpec.optional("max-concurrent", "Most members provisioning at once.", "size"),
            SettingSpec.optional("claim-lifetime", "Lifetime of a claimed member: a duration (the default), or a map with default and maximum.", "4h, maximum 1d"),
            SettingSpec.optional("hibernate-after", "Stop unclaimed members Ready this long, where the backend can; 0 or absent: never.", null),
            SettingSpec.optional("resume-timeout", "How long a claim waits for a hibernated member's /readyz before replacing it.", "2m"),
            SettingSpec.optional("when-empty", "fallback (an ordinary claim) or wait (for a member coming up).", "fallback"),
            SettingSpec.optional("wait-timeout", "With when-empty: wait, how long a claim waits.", "10m"));
    static final List<SettingSpec> SPEC = List.of(
            SettingSpec.optional("size", "Backend-specific size, e.g. a Hetzner server type.", null),
            SettingSpec.optional("location", "Backend-specific location.", null),
            SettingSpec.optional("kubernetes-version", "Kubernetes version, e.g. v1.31.4+k3s1.", null));
    static final List<SettingSpec> LIFETIME = List.of(
            SettingSpec.optional("default", "Lifetime when the claim names none.", "4h"),
            SettingSpec.optional("maximum", "Longest lifetime a claim may ask for.", "1d"));

    private WarmPoolConfig() {
    }

    /** Every pool of {@code section} ({@code warm-pools}); {@code defaultBackend} fills a pool without {@code backend}. */
    static WarmPoolSettings read(Settings section, String defaultBackend) {
        List<WarmPoolSpec> pools = new ArrayList<>();
        for (String name : section.keys()) {
            Settings s = section.section(name).validate(POOL);
            try {
                pools.add(pool(name, s, defaultBackend));
            } catch (EphemeraException e) {
                if (e.code() == ErrorCode.CONFIGURATION) {
                    throw e;
                }
                throw new EphemeraException(ErrorCode.CONFIGURATION, s.path() + ": " + e.getMessage());
            }
        }
        return new WarmPoolSettings(pools, WarmPoolSettings.DEFAULT_INTERVAL);
    }

    private static WarmPoolSpec pool(String name, Settings s, String defaultBackend) {
        Settings spec = s.section("spec").validate(SPEC);
        ClusterSpec cs = new ClusterSpec(spec.string("kubernetes-version"), spec.string("size"), spec.string("location"), Map.of(), List.of());
        int size = nonNegative(s, "size", 1);
        int maxSize = s.integer("max-size", Math.max(1, 2 * size));
        int maxConcurrent = s.integer("max-concurrent", Math.max(1, size));
        Duration lifetime = WarmPoolSpec.DEFAULT_CLAIM_LIFETIME;
        Duration maximum = WarmPoolSpec.DEFAULT_MAX_CLAIM_LIFETIME;
        if (s.keys().contains("claim-lifetime")) {
            if (!isSection(s, "claim-lifetime")) {
                lifetime = s.duration("claim-lifetime", lifetime);
                maximum = lifetime.compareTo(maximum) > 0 ? lifetime : maximum;
            } else {
                Settings l = s.section("claim-lifetime").validate(LIFETIME);
                lifetime = l.duration("default", lifetime);
                maximum = l.duration("maximum", maximum);
            }
        }
        Optional<Duration> hibernate = s.string("hibernate-after").map(x -> s.duration("hibernate-after", Duration.ZERO));
        return new WarmPoolSpec(name, s.string("backend", defaultBackend), cs, size, maxSize, maxConcurrent, lifetime, maximum, hibernate,
                s.duration("resume-timeout", WarmPoolSpec.DEFAULT_RESUME_TIMEOUT), WhenEmpty.parse(s.string("when-empty", "fallback")),
                s.duration("wait-timeout", WarmPoolSpec.DEFAULT_WAIT_TIMEOUT));
    }

    private static boolean isSection(Settings s, String key) {
        try {
            s.string(key);
            return false;
        } catch (EphemeraException e) {
            return true; // a map: string() refuses it
        }
    }

    private static int nonNegative(Settings s, String key, int fallback) {
        int n = s.integer(key, fallback);
        if (n < 0) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify(key) + " must be 0 or more, got " + n);
        }
        return n;
    }
}
