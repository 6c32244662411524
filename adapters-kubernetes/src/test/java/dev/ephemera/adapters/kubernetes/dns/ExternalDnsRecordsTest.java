package dev.ephemera.adapters.kubernetes.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.dns.DnsRecord;
import dev.ephemera.ports.dns.DnsRecordsFactory;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.capi.CapiSchemas;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("external-dns DNS records: one DNSEndpoint per cluster on a mock API with external-dns' CRD")
class ExternalDnsRecordsTest {
    private static final String NS = "external-dns";
    private KubernetesCrudMock mock;
    private ExternalDnsRecords dns;

    @BeforeEach
    void start() throws Exception {
        mock = KubernetesCrudMock.http();
        try (InputStream in = Files.newInputStream(CapiSchemas.crdFile("DNSEndpoint"))) {
            mock.client().apiextensions().v1().customResourceDefinitions().resource(
                    mock.client().apiextensions().v1().customResourceDefinitions().load(in).item()).create();
        }
        dns = new ExternalDnsRecords(ExternalDnsSettings.from(new Settings("external-dns", section())),
                new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build());
    }

    private static Map<String, Object> section() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", NS);
        m.put("zone", "ephemeral.fullstack.pw");
        m.put("ttl", "3m");
        m.put("installation", "test");
        return m;
    }

    @AfterEach
    void stop() {
        dns.close();
        mock.close();
    }

    @Test
    @DisplayName("names follow the pattern: pr-{number}-{repo}.{zone} for a pull request, {id}.{zone} otherwise")
    void names() {
        assertThat(dns.nameFor(new ClusterId("pr-42-cks-backend"), Optional.of(Owner.parse("fullstack-pw/cks-backend#42"))))
                .isEqualTo("pr-42-cks-backend.ephemeral.fullstack.pw");
        assertThat(dns.nameFor(new ClusterId("e2e"), Optional.of(Owner.parse("fullstack-pw/Demo_Apps")))).isEqualTo("e2e.ephemeral.fullstack.pw");
        assertThat(dns.nameFor(new ClusterId("e2e"), Optional.empty())).isEqualTo("e2e.ephemeral.fullstack.pw");
        assertThat(dns.nameFor(new ClusterId("x"), Optional.of(Owner.parse("acme/Demo_Apps#7")))).isEqualTo("pr-7-demo-apps.ephemeral.fullstack.pw");
        String longRepo = "acme/" + "a-very-long-repository-name-".repeat(4);
        String name = dns.nameFor(new ClusterId("x"), Optional.of(Owner.parse(longRepo + "#7")));
        assertThat(name).endsWith(".ephemeral.fullstack.pw").matches("pr-7-a-very[-a-z0-9]{0,50}-[0-9a-f]{8}\\.ephemeral\\.fullstack\\.pw");
        assertThat(name.substring(0, name.indexOf('.'))).hasSizeLessThanOrEqualTo(63);
        assertThat(dns.nameFor(new ClusterId("x"), Optional.of(Owner.parse(longRepo + "#7")))).as("stable").isEqualTo(name);
    }

    @Test
    @DisplayName("the patterns are configurable: {owner}, {id} and a deeper zone")
    void configuredPatterns() {
        Map<String, Object> m = section();
        m.put("name-pattern", "{repo}-{number}.{owner}.{zone}");
        m.put("fallback-name-pattern", "c-{id}.{zone}");
        try (var custom = (ExternalDnsRecords) new ExternalDnsRecordsFactory().create(new Settings("external-dns", withMockKubeconfig(m)))) {
            assertThat(custom.nameFor(new ClusterId("pr-42-shop"), Optional.of(Owner.parse("Acme/Shop#42")))).isEqualTo("shop-42.acme.ephemeral.fullstack.pw");
            assertThat(custom.nameFor(new ClusterId("e2e"), Optional.empty())).isEqualTo("c-e2e.ephemeral.fullstack.pw");
            assertThat(custom.resolver()).isEmpty();
            assertThat(custom.ttl()).isEqualTo(Duration.ofMinutes(3));
        }
    }

    /** The section plus a kubeconfig file pointing at the mock API. */
    private Map<String, Object> withMockKubeconfig(Map<String, Object> m) {
        try {
            java.nio.file.Path kc = Files.createTempFile("dns-kubeconfig", ".yaml");
            kc.toFile().deleteOnExit();
            Files.writeString(kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: m\n  cluster:\n    server: http://127.0.0.1:" + mock.port()
                    + "\ncontexts:\n- name: m\n  context:\n    cluster: m\n    user: u\nusers:\n- name: u\n  user:\n    token: t\ncurrent-context: m\n");
            m.put("kubeconfig", kc.toString());
            return m;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("publish makes a schema-valid DNSEndpoint (A record, TTL, our labels); again replaces it; remove deletes it, twice is fine")
    void publishFindRemove() {
        ClusterId id = new ClusterId("pr-42-cks-backend");
        DnsRecord record = new DnsRecord(id, "pr-42-cks-backend.ephemeral.fullstack.pw", "192.168.1.140", Duration.ofMinutes(3));

        dns.publish(record, Map.of("ephemera.dev/cluster", id.value()));

        GenericKubernetesResource o = mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS)
                .withName("ephemera-pr-42-cks-backend").get();
        assertThat(CapiSchemas.validate(mock.client().getKubernetesSerialization().asJson(o))).isEmpty();
        assertThat(o.getMetadata().getLabels()).containsEntry("ephemera.dev/cluster", id.value()).containsEntry("ephemera.dev/installation", "test");
        @SuppressWarnings("unchecked")
        Map<String, Object> endpoint = ((List<Map<String, Object>>) ((Map<String, Object>) o.getAdditionalProperties().get("spec")).get("endpoints")).get(0);
        assertThat(endpoint).containsEntry("dnsName", "pr-42-cks-backend.ephemeral.fullstack.pw").containsEntry("recordType", "A")
                .containsEntry("targets", List.of("192.168.1.140"));
        assertThat(((Number) endpoint.get("recordTTL")).longValue()).isEqualTo(180);
        assertThat(dns.find(id)).contains(record);

        DnsRecord moved = new DnsRecord(id, record.name(), "192.168.1.141", record.ttl());
        dns.publish(moved, Map.of());
        assertThat(dns.find(id)).contains(moved);
        assertThat(mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).list().getItems()).hasSize(1);

        dns.remove(id);
        assertThat(dns.find(id)).isEmpty();
        dns.remove(id);
    }

    @Test
    @DisplayName("a DNSEndpoint of that name not made by us is a conflict, and remove leaves it alone")
    void foreignEndpointIsLeftAlone() {
        ClusterId id = new ClusterId("e2e");
        mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).resource(
                new GenericKubernetesResourceBuilder().withApiVersion("externaldns.k8s.io/v1alpha1").withKind("DNSEndpoint")
                        .withNewMetadata().withName("ephemera-e2e").withNamespace(NS).endMetadata()
                        .withAdditionalProperties(Map.of("spec", Map.of("endpoints", List.of()))).build()).create();

        assertThatThrownBy(() -> dns.publish(new DnsRecord(id, "e2e.ephemeral.fullstack.pw", "10.0.0.1", Duration.ofMinutes(1)), Map.of()))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        dns.remove(id);
        assertThat(mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).withName("ephemera-e2e").get())
                .isNotNull();
    }

    @Test
    @DisplayName("the factory is discoverable as external-dns and refuses a missing zone, an unknown key or a pattern without the id")
    void factory() {
        assertThat(ServiceLoader.load(DnsRecordsFactory.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(f -> assertThat(f.name()).isEqualTo("external-dns"));
        var f = new ExternalDnsRecordsFactory();
        Map<String, Object> noZone = section();
        noZone.remove("zone");
        assertThatThrownBy(() -> f.create(new Settings("external-dns", noZone))).hasMessageContaining("external-dns.zone");
        Map<String, Object> unknown = section();
        unknown.put("zones", "x");
        assertThatThrownBy(() -> f.create(new Settings("external-dns", unknown))).hasMessageContaining("external-dns.zones");
        Map<String, Object> same = section();
        same.put("fallback-name-pattern", "cluster.{zone}");
        assertThatThrownBy(() -> f.create(new Settings("external-dns", same))).hasMessageContaining("{id}");
        Map<String, Object> badResolver = section();
        badResolver.put("resolver", "127.0.0.1:dns");
        assertThatThrownBy(() -> f.create(new Settings("external-dns", badResolver))).hasMessageContaining("external-dns.resolver");
        Map<String, Object> unknownPlaceholder = section();
        unknownPlaceholder.put("name-pattern", "pr-{number}-{branch}.{zone}");
        assertThatThrownBy(() -> f.create(new Settings("external-dns", unknownPlaceholder))).hasMessageContaining("{branch}");
    }

    @Test
    @DisplayName("records refuse what DNS cannot hold: no zone, a non-IPv4 target, a sub-second TTL")
    void recordValidation() {
        ClusterId id = new ClusterId("e2e");
        assertThatThrownBy(() -> new DnsRecord(id, "e2e", "10.0.0.1", Duration.ofMinutes(1))).isInstanceOf(EphemeraException.class);
        assertThatThrownBy(() -> new DnsRecord(id, "e2e.example.com", "fd00::1", Duration.ofMinutes(1))).isInstanceOf(EphemeraException.class);
        assertThatThrownBy(() -> new DnsRecord(id, "e2e.example.com", "10.0.0.1", Duration.ofMillis(500))).isInstanceOf(EphemeraException.class);
    }
}
