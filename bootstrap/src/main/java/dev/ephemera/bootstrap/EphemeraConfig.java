package dev.ephemera.bootstrap;

import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The loaded, validated configuration with secret references resolved. With no file at all it
 * holds the embedded defaults: SQLite state and leases, file sink, docker backend, ECDSA PKI.
 */
public final class EphemeraConfig {
    private final Map<String, Object> tree;
    private final Optional<Path> source;
    private final Map<String, java.util.Set<String>> secretKeys;

    EphemeraConfig(Map<String, Object> tree, Optional<Path> source, Map<String, java.util.Set<String>> secretKeys) {
        this.tree = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tree));
        this.source = source;
        this.secretKeys = Map.copyOf(secretKeys);
    }

    /** The embedded defaults, as if no file were found. */
    public static EphemeraConfig defaults() {
        return new EphemeraConfig(Map.of(), Optional.empty(), Map.of());
    }

    /** The file the configuration came from, if any. */
    public Optional<Path> source() {
        return source;
    }

    private String top(String key, String fallback) {
        Object v = tree.get(key);
        return v == null ? fallback : v.toString();
    }

    public String leaseStore() {
        return top("store", "sqlite");
    }

    public String stateStore() {
        return top("state", "sqlite");
    }

    public String pki() {
        return top("pki", "bouncycastle");
    }

    public String workload() {
        return top("workload", "kubernetes");
    }

    public String codeHost() {
        return top("codehost", "github");
    }

    /** {@code dns:}: the DNS adapter publishing clusters' names, if any (docs/dns.md). */
    public Optional<String> dns() {
        return Optional.ofNullable(tree.get("dns")).map(Object::toString).filter(v -> !v.isBlank());
    }

    public String defaultBackend() {
        return top("backend", "docker");
    }

    public String installation() {
        return top("installation", "default");
    }

    public Optional<String> pluginsDir() {
        return Optional.ofNullable(tree.get("plugins")).map(Object::toString);
    }

    public List<String> sinks() {
        Object v = tree.get("sinks");
        if (v == null) {
            return List.of("file");
        }
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return Arrays.stream(v.toString().split("\\s*,\\s*")).filter(s -> !s.isBlank()).toList();
    }

    /** {@code server.claims}: the adapter whose objects are claims too (kubernetes), if any. */
    public Optional<String> claims() {
        return section("server").string("claims").map(String::trim).filter(v -> !v.isEmpty() && !v.equals("none"));
    }

    /** {@code server.leadership}: {@code single} (this process always leads) or an adapter's name (kubernetes). */
    public String leadership() {
        return section("server").string("leadership").map(String::trim).filter(v -> !v.isEmpty()).orElse(AlwaysLeader.NAME);
    }

    /** {@code pools.default}: the pool the pool verbs use without {@code --pool}. */
    public Optional<String> defaultPool() {
        return section("pools").string("default").filter(v -> !v.isBlank());
    }

    /** The section of an adapter or a core section ({@code server}, {@code policies}). */
    @SuppressWarnings("unchecked")
    public Settings section(String name) {
        Object v = tree.get(name);
        Map<String, ?> m = v instanceof Map ? (Map<String, ?>) v : Map.of();
        return new Settings(name, m, secretKeys.getOrDefault(name, java.util.Set.of()));
    }

    /** The {@code warm-pools:} section, validated (docs/warm-pools.md); none configured: no pools. */
    public dev.ephemera.application.warmpool.WarmPoolSettings warmPools() {
        return WarmPoolConfig.read(section(CoreSettings.WARM_POOLS), defaultBackend());
    }

    public Policies policies() {
        Settings p = section("policies");
        Policies d = Policies.defaults();
        Map<String, Integer> perBackend = new LinkedHashMap<>();
        Settings pb = p.section("max-concurrent-per-backend");
        for (String k : pb.keys()) {
            perBackend.put(k, pb.integer(k, d.maxConcurrent()));
        }
        try {
            return new Policies(p.duration("max-lifetime", d.maxLifetime()), p.duration("grace", d.grace()),
                    p.duration("provisioning-timeout", d.provisioningTimeout()), p.duration("dns-timeout", d.dnsTimeout()),
                    p.integer("max-concurrent", d.maxConcurrent()), perBackend);
        } catch (EphemeraException e) {
            // Settings name the key already ("policies.grace: ..."); say it once.
            throw new EphemeraException(ErrorCode.CONFIGURATION, e.getMessage().startsWith("policies.") ? e.getMessage()
                    : "policies: " + e.getMessage());
        }
    }

    /** A short description for diagnostics; secrets are never part of it. */
    @Override
    public String toString() {
        return "EphemeraConfig[" + source.map(Path::toString).orElse("embedded defaults") + ", store=" + leaseStore()
                + ", state=" + stateStore() + ", backend=" + defaultBackend() + ", sinks=" + sinks() + ", max-lifetime="
                + DurationText.format(policies().maxLifetime()) + "]";
    }
}
