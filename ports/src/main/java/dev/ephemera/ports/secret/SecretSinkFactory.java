package dev.ephemera.ports.secret;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link SecretSink}; named in {@code sinks:} and by {@code --to} / {@code --push}. */
public interface SecretSinkFactory extends AdapterFactory<SecretSink> {
}
