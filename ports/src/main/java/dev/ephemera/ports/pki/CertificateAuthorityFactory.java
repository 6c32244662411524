package dev.ephemera.ports.pki;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link CertificateAuthority}; chosen by {@code pki:} in the configuration. */
public interface CertificateAuthorityFactory extends AdapterFactory<CertificateAuthority> {
}
