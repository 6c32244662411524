package dev.ephemera.ports.codehost;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link CodeHost}. */
public interface CodeHostFactory extends AdapterFactory<CodeHost> {
}
