package dev.ephemera.ports.spi;

import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One adapter's configuration section, with secret references already resolved. Values are
 * strings, numbers, booleans, lists or nested maps as read from YAML (or strings from the
 * environment). Every getter names the full key in its error, so a user knows what to fix.
 */
public final class Settings {
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> secretKeys;

    public Settings(String path, Map<String, ?> values) {
        this(path, values, Set.of());
    }

    public Settings(String path, Map<String, ?> values, Set<String> secretKeys) {
        this.path = path;
        this.values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values == null ? Map.of() : values));
        this.secretKeys = Set.copyOf(secretKeys);
    }

    public static Settings empty(String path) {
        return new Settings(path, Map.of());
    }

    /** Where this section sits in the configuration, e.g. {@code stores.sqlite}. */
    public String path() {
        return path;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    /**
     * Refuses keys the adapter does not know (listing the ones it does) and missing required
     * keys. Called at start, not at first use.
     */
    public Settings validate(List<SettingSpec> specs) {
        Set<String> known = specs.stream().map(SettingSpec::key).collect(Collectors.toCollection(TreeSet::new));
        List<String> unknown = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "unknown setting" + (unknown.size() > 1 ? "s " : " ")
                    + unknown.stream().map(k -> qualify(k)).collect(Collectors.joining(", "))
                    + "; known settings of " + path + ": " + (known.isEmpty() ? "(none)" : String.join(", ", known)));
        }
        for (SettingSpec s : specs) {
            if (s.required() && !values.containsKey(s.key())) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "missing required setting " + qualify(s.key()) + ": " + s.description());
            }
        }
        return this;
    }

    /**
     * The section as one adapter sees it: only the keys it declares. Several adapters of one name
     * (a lease store and a secret sink, say) share a section, and each must not trip over the
     * others' keys; unknown keys are refused against all of them when the configuration loads.
     */
    public Settings restrictTo(List<SettingSpec> specs) {
        Set<String> declared = specs.stream().map(SettingSpec::key).collect(Collectors.toSet());
        Map<String, Object> kept = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (declared.contains(k)) {
                kept.put(k, v);
            }
        });
        return new Settings(path, kept, secretKeys);
    }

    public Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Map || v instanceof List) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, qualify(key) + " must be a single value");
        }
        return Optional.of(v.toString());
    }

    public String require(String key) {
        return string(key).filter(s -> !s.isBlank())
                .orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION, "missing required setting " + qualify(key)));
    }

    public String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    public int integer(String key, int fallback) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(s.get().trim());
        } catch (NumberFormatException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, qualify(key) + " must be a whole number, got '" + s.get() + "'");
        }
    }

    public boolean bool(String key, boolean fallback) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return fallback;
        }
        return switch (s.get().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new EphemeraException(ErrorCode.CONFIGURATION, qualify(key) + " must be true or false, got '" + s.get() + "'");
        };
    }

    public Duration duration(String key, Duration fallback) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return fallback;
        }
        try {
            return DurationText.parse(s.get());
        } catch (EphemeraException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, qualify(key) + ": " + e.getMessage());
        }
    }

    /** A secret value; the configuration must have given it as an {@code env:} or {@code file:} reference. */
    public Optional<Secret> secret(String key) {
        return string(key).map(Secret::of);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of(v.toString().split("\\s*,\\s*"));
    }

    @SuppressWarnings("unchecked")
    public Settings section(String key) {
        Object v = values.get(key);
        if (v == null) {
            return empty(qualify(key));
        }
        if (!(v instanceof Map)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, qualify(key) + " must be a section (a map of settings)");
        }
        return new Settings(qualify(key), (Map<String, ?>) v);
    }

    public String qualify(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A copy with {@code key} set, for tests and programmatic assembly. */
    public Settings with(String key, Object value) {
        Map<String, Object> next = new LinkedHashMap<>(values);
        next.put(key, value);
        return new Settings(path, next, secretKeys);
    }

    /** Values with secrets redacted, for display. */
    @Override
    public String toString() {
        Map<String, Object> shown = new LinkedHashMap<>();
        values.forEach((k, v) -> shown.put(k, secretKeys.contains(k) ? "<redacted>" : v));
        return "Settings[" + path + "]" + shown;
    }
}
