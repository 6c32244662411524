package dev.ephemera.ports.pki;

import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.spi.Adapter;

/**
 * Issues a cluster's PKI: the CAs K3s trusts from its first boot, the API server's serving
 * certificate and an admin client certificate.
 */
public interface CertificateAuthority extends Adapter {
    PkiBundle issue(PkiRequest request);
}
