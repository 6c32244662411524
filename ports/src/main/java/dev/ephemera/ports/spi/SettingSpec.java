package dev.ephemera.ports.spi;

import java.util.Optional;

/**
 * One setting an adapter reads from its configuration section, as {@code ephemera backends}
 * lists it and the README documents it.
 *
 * @param key          key inside the adapter's section, e.g. {@code path}
 * @param description  what it does, one sentence
 * @param required     whether start fails without it
 * @param defaultValue the value used when it is absent, if any
 * @param secret       whether the value is secret (must be an {@code env:} or {@code file:} reference)
 */
public record SettingSpec(String key, String description, boolean required, Optional<String> defaultValue, boolean secret) {
    public static SettingSpec required(String key, String description) {
        return new SettingSpec(key, description, true, Optional.empty(), false);
    }

    public static SettingSpec optional(String key, String description, String defaultValue) {
        return new SettingSpec(key, description, false, Optional.ofNullable(defaultValue), false);
    }

    public static SettingSpec secret(String key, String description, boolean required) {
        return new SettingSpec(key, description, required, Optional.empty(), true);
    }
}
