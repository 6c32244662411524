package dev.ephemera.adapters.kubernetes.dns;

import dev.ephemera.adapters.kubernetes.client.ClientConfigs;
import dev.ephemera.ports.dns.DnsRecords;
import dev.ephemera.ports.dns.DnsRecordsFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;

/** Makes the {@code external-dns} DNS adapter from the {@code external-dns:} section; chosen by the top-level {@code dns: external-dns}. */
public final class ExternalDnsRecordsFactory implements DnsRecordsFactory {
    @Override
    public String name() {
        return ExternalDnsRecords.NAME;
    }

    @Override
    public String description() {
        return "clusters' DNS names as external-dns DNSEndpoints (A records) in a namespace external-dns watches";
    }

    @Override
    public List<SettingSpec> settings() {
        return ExternalDnsSettings.specs();
    }

    @Override
    public DnsRecords create(Settings settings) {
        ExternalDnsSettings s = ExternalDnsSettings.from(settings.validate(settings()));
        return new ExternalDnsRecords(s, new KubernetesClientBuilder().withConfig(ClientConfigs.of(
                ExternalDnsSettings.SECTION, s.kubeconfig(), s.context(), s.inCluster(), System.getenv())).build());
    }
}
