package dev.ephemera.ports.claims;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link ClaimObjects}, named by {@code server.claims}. */
public interface ClaimObjectsFactory extends AdapterFactory<ClaimObjects> {
}
