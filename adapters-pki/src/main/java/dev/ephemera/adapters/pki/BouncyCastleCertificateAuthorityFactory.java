package dev.ephemera.adapters.pki;

import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes the BouncyCastle certificate authority; configured under {@code pki:}. */
public final class BouncyCastleCertificateAuthorityFactory implements CertificateAuthorityFactory {
    public static final String NAME = "bouncycastle";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Issues each cluster's CAs, API server and admin certificates and the K3s server/tls tree in-process with BouncyCastle.";
    }

    @Override
    public List<SettingSpec> settings() {
        return PkiSettings.SPECS;
    }

    @Override
    public CertificateAuthority create(Settings settings) {
        return new BouncyCastleCertificateAuthority(PkiSettings.from(settings));
    }
}
