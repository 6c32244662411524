package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.spi.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Seed 003's settings and a real PKI bundle from the installed certificate authority (found through ServiceLoader, as the core finds it). */
final class Fixtures {
    private Fixtures() {
    }

    /** Seed 003 as a configuration section: 192.168.1.0/24, endpoint pool .140-.149 elsewhere, nodes .150-.159. */
    static Map<String, Object> seed003() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source-node", "pve1");
        m.put("template-id", "9000");
        m.put("gateway", "192.168.1.1");
        m.put("prefix", "24");
        m.put("dns-servers", List.of("192.168.1.3", "1.1.1.1"));
        m.put("node-addresses", List.of("192.168.1.150-192.168.1.159"));
        m.put("lease-pool", "proxmox");
        return m;
    }

    static ProxmoxCapiSettings settings(Map<String, Object> section) {
        return ProxmoxCapiSettings.from(new Settings(ProxmoxCapiSettings.SECTION, section));
    }

    static PkiBundle pki(String cluster, String ip) {
        for (CertificateAuthorityFactory f : ServiceLoader.load(CertificateAuthorityFactory.class)) {
            try (CertificateAuthority ca = f.create(Settings.empty("pki"))) {
                return ca.issue(PkiRequest.ofSans(cluster, List.of(ip)));
            }
        }
        throw new IllegalStateException("no certificate authority on the test class path");
    }

    static Map<String, String> labels(String cluster) {
        return Map.of("ephemera.dev/cluster", cluster, "ephemera.dev/installation", "test");
    }
}
