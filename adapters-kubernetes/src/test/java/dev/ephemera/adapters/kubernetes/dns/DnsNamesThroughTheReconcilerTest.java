package dev.ephemera.adapters.kubernetes.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ephemera.application.ClaimRequest;
import dev.ephemera.application.Clusters;
import dev.ephemera.application.ControlPlane;
import dev.ephemera.application.IpPools;
import dev.ephemera.application.Reconciler;
import dev.ephemera.application.StepOutcome;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.Policies;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.dns.DnsRecords;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.Eventually;
import dev.ephemera.testkit.capi.CapiSchemas;
import dev.ephemera.testkit.dns.Dnsmasq;
import dev.ephemera.testkit.dns.ExternalDnsStandIn;
import dev.ephemera.testkit.inmemory.InMemoryClusterBackend;
import dev.ephemera.testkit.inmemory.InMemoryClusterRepository;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import dev.ephemera.testkit.inmemory.InMemorySecretSink;
import dev.ephemera.testkit.inmemory.InMemoryWorkloadClusters;
import dev.ephemera.testkit.inmemory.SingleAdapterLookups;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import dev.ephemera.testkit.pki.K3sTestPki;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's DNS promises through the application's Reconciler: the real external-dns adapter
 * against fabric8's mock API with external-dns' CRD, and its resolver wait against a real DNS
 * server (dnsmasq on its own loopback address), fed by a test-side stand-in for external-dns.
 */
@DisplayName("DNS names through the Reconciler: a DNSEndpoint per Ready cluster, the name in PKI, backend and kubeconfig, a wait on a real resolver")
class DnsNamesThroughTheReconcilerTest {
    private static final String NS = "external-dns";
    private static final String ZONE = "ephemeral.test";

    @TempDir
    Path dir;
    private KubernetesCrudMock mock;
    private Dnsmasq dnsmasq;
    private ExternalDnsRecords dns;
    private final InMemoryClusterRepository repository = new InMemoryClusterRepository();
    private final InMemoryClusterBackend backend = new InMemoryClusterBackend(new BackendTraits(Optional.of("lab"), true), 1);
    private final InMemorySecretSink sink = new InMemorySecretSink();
    private final List<PkiRequest> issued = new CopyOnWriteArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private final IpPools pools = new IpPools(new InMemoryLeaseStore(), clock);

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Dnsmasq.binary().isPresent(), "dnsmasq is not installed (apt-get install dnsmasq-base; .ci/run installs it): "
                + "the resolver wait needs a real DNS server");
        mock = KubernetesCrudMock.http();
        try (InputStream in = Files.newInputStream(CapiSchemas.crdFile("DNSEndpoint"))) {
            mock.client().apiextensions().v1().customResourceDefinitions().resource(
                    mock.client().apiextensions().v1().customResourceDefinitions().load(in).item()).create();
        }
        dnsmasq = Dnsmasq.start(dir, ZONE);
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("namespace", NS);
        section.put("zone", ZONE);
        section.put("ttl", "30s");
        section.put("installation", "test");
        section.put("resolver", dnsmasq.address());
        dns = new ExternalDnsRecords(ExternalDnsSettings.from(new Settings("external-dns", section)),
                new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build());
        pools.create("lab", "10.0.0.1-10.0.0.3", List.of());
    }

    @AfterEach
    void stop() {
        if (dns != null) {
            dns.close();
        }
        if (dnsmasq != null) {
            dnsmasq.close();
        }
        if (mock != null) {
            mock.close();
        }
    }

    private Reconciler reconciler(Policies policies) {
        CertificateAuthority ca = request -> {
            issued.add(request);
            return K3sTestPki.bundle("EC");
        };
        return new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> ca,
                () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", sink), () -> Optional.<DnsRecords>of(dns),
                pools, policies, new ControlPlane("test", List.of()), clock);
    }

    private Cluster claim(Clusters clusters, String id, Optional<Owner> owner, boolean keepOnFailure) {
        return clusters.claim(new ClaimRequest(ClusterId.of(id), owner, "memory", ClusterSpec.defaults(), Optional.empty(), List.of(),
                keepOnFailure));
    }

    private List<GenericKubernetesResource> endpoints() {
        return mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint").inNamespace(NS).list().getItems();
    }

    private static Instant inAMinute() {
        return Instant.now().plus(Duration.ofMinutes(1));
    }

    @Test
    @DisplayName("every Ready cluster has a schema-valid DNSEndpoint whose name resolves; SANs and kubeconfig use the name; delete removes it")
    void everyReadyClusterHasItsNameUntilDeleted() throws Exception {
        Reconciler reconciler = reconciler(Policies.defaults());
        Clusters clusters = new Clusters(repository, Policies.defaults(), clock);
        try (ExternalDnsStandIn externalDns = ExternalDnsStandIn.start(mock.client(), NS, dnsmasq)) {
            claim(clusters, "pr-42-shop", Optional.of(Owner.parse("acme/shop#42")), false);
            claim(clusters, "e2e", Optional.empty(), false);
            Map<String, String> expected = Map.of("pr-42-shop", "pr-42-shop." + ZONE, "e2e", "e2e." + ZONE);

            for (String id : List.of("pr-42-shop", "e2e")) {
                Cluster ready = reconciler.runUntilSettled(ClusterId.of(id), inAMinute(), c -> { });
                assertThat(ready.phase()).as(ready.failureReason().orElse("")).isEqualTo(Phase.READY);
                String name = expected.get(id);
                String ip = ready.lease().orElseThrow().address();
                assertThat(ready.endpoint().orElseThrow().dnsName()).contains(name);
                assertThat(ready.timeline()).anySatisfy(e -> assertThat(e.message()).isEqualTo("published DNS name " + name + " → " + ip));
                // Known up front: in the PKI request's SANs and in the backend's request (its K3s --tls-san).
                assertThat(issued).anySatisfy(r -> {
                    assertThat(r.clusterName()).isEqualTo(id);
                    assertThat(r.dnsNames()).containsExactly(name);
                });
                assertThat(backend.request(ClusterId.of(id)).orElseThrow().dnsName()).contains(name);
                // The kubeconfig reaches the API server by name, on the endpoint's port.
                assertThat(clusters.kubeconfig(ClusterId.of(id)).reveal()).contains("server: \"https://" + name + ":6443\"");
                // Through the real resolver: the wait passed because dnsmasq serves what the DNSEndpoint asks for.
                assertThat(dns.resolve(name)).containsExactly(ip);
                GenericKubernetesResource o = mock.client().genericKubernetesResources("externaldns.k8s.io/v1alpha1", "DNSEndpoint")
                        .inNamespace(NS).withName("ephemera-" + id).get();
                assertThat(CapiSchemas.validate(mock.client().getKubernetesSerialization().asJson(o))).isEmpty();
                assertThat(o.getMetadata().getLabels()).containsEntry("ephemera.dev/cluster", id).containsEntry("ephemera.dev/installation", "test");
                assertThat(dns.find(ClusterId.of(id))).hasValueSatisfying(r -> {
                    assertThat(r.name()).isEqualTo(name);
                    assertThat(r.address()).isEqualTo(ip);
                    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(30));
                });
            }
            List<String> readyIds = clusters.list().stream().filter(c -> c.phase() == Phase.READY).map(c -> "ephemera-" + c.id().value()).toList();
            assertThat(endpoints()).extracting(o -> o.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(readyIds);
            assertThat(externalDns.errors()).isEmpty();

            for (String id : List.of("pr-42-shop", "e2e")) {
                clusters.delete(ClusterId.of(id));
                assertThat(reconciler.runUntilSettled(ClusterId.of(id), inAMinute(), c -> { }).phase()).isEqualTo(Phase.DELETED);
                assertThat(dns.find(ClusterId.of(id))).isEmpty();
            }
            assertThat(endpoints()).isEmpty();
        }
    }

    @Test
    @DisplayName("Bootstrapping waits while the name does not resolve, and goes on once the DNS server serves it")
    void theWaitHoldsUntilTheNameResolves() throws Exception {
        Reconciler reconciler = reconciler(Policies.defaults());
        Clusters clusters = new Clusters(repository, Policies.defaults(), clock);
        claim(clusters, "pr-7-shop", Optional.of(Owner.parse("acme/shop#7")), false);
        ClusterId id = ClusterId.of("pr-7-shop");
        String name = "pr-7-shop." + ZONE;

        // Step by step (no stand-in yet): the record is published, and the step after waits on the resolver.
        List<StepOutcome> outcomes = new ArrayList<>();
        StepOutcome o;
        do {
            o = reconciler.step(id);
            outcomes.add(o);
        } while (o instanceof StepOutcome.Progressed || (o instanceof StepOutcome.Waiting w && !w.reason().contains("DNS name")));
        assertThat(o).isInstanceOfSatisfying(StepOutcome.Waiting.class, w -> {
            assertThat(w.cluster().phase()).isEqualTo(Phase.BOOTSTRAPPING);
            assertThat(w.reason()).isEqualTo("waiting for DNS name " + name + " to resolve to 10.0.0.1 through " + dnsmasq.address()
                    + " (no address yet)");
        });
        assertThat(endpoints()).hasSize(1);
        assertThat(dns.resolve(name)).as("the zone's server says the name does not exist (yet)").isEmpty();
        assertThat(reconciler.step(id)).isInstanceOf(StepOutcome.Waiting.class);

        // A wrong address is not enough either.
        dnsmasq.put(name, "10.9.9.9");
        Eventually.eventually("dnsmasq serves the wrong address", () -> dns.resolve(name).equals(List.of("10.9.9.9")), () -> dnsmasq.log());
        assertThat(reconciler.step(id)).isInstanceOfSatisfying(StepOutcome.Waiting.class,
                w -> assertThat(w.reason()).endsWith("(it resolves to 10.9.9.9)"));

        try (ExternalDnsStandIn externalDns = ExternalDnsStandIn.start(mock.client(), NS, dnsmasq)) {
            Cluster ready = reconciler.runUntilSettled(id, inAMinute(), c -> { });
            assertThat(ready.phase()).isEqualTo(Phase.READY);
            assertThat(externalDns.served()).contains(name + " 10.0.0.1");
            assertThat(dns.resolve(name)).containsExactly("10.0.0.1");
        }
    }

    @Test
    @DisplayName("a name that never resolves fails the cluster after policies.dns-timeout, saying what was asked where and what to do")
    void aNameThatNeverResolvesTimesOut() {
        Policies shortDns = new Policies(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofSeconds(1), 10, Map.of());
        Reconciler reconciler = reconciler(shortDns);
        Clusters clusters = new Clusters(repository, shortDns, clock);
        claim(clusters, "never", Optional.empty(), true);
        List<EphemeraException> failures = new CopyOnWriteArrayList<>();

        Cluster failed = reconciler.runUntilSettled(ClusterId.of("never"), inAMinute(), c -> { }, failures::add);

        assertThat(failed.phase()).isEqualTo(Phase.FAILED);
        String expected = "DNS name never." + ZONE + " did not resolve to 10.0.0.1 through " + dnsmasq.address()
                + " within policies.dns-timeout (1s; no address yet): check that external-dns runs and serves the DNSEndpoint's zone, "
                + "or raise policies.dns-timeout";
        assertThat(failed.failureReason()).contains(expected);
        assertThat(failures).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
            assertThat(e.getMessage()).isEqualTo(expected);
        });
        assertThat(dnsmasq.log()).contains("never." + ZONE);
    }

    @Test
    @DisplayName("without a resolver nothing waits, and without DNS nothing is published and the kubeconfig keeps the endpoint's URL")
    void withoutResolverOrDns() {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("namespace", NS);
        section.put("zone", ZONE);
        try (ExternalDnsRecords noResolver = new ExternalDnsRecords(ExternalDnsSettings.from(new Settings("external-dns", section)),
                new KubernetesClientBuilder().withConfig(mock.client().getConfiguration()).build())) {
            Reconciler r = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> request -> {
                issued.add(request);
                return K3sTestPki.bundle("EC");
            }, () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", sink),
                    () -> Optional.<DnsRecords>of(noResolver), pools, Policies.defaults(), new ControlPlane("test", List.of()), clock);
            Clusters clusters = new Clusters(repository, Policies.defaults(), clock);
            claim(clusters, "quick", Optional.empty(), false);
            assertThat(r.runUntilSettled(ClusterId.of("quick"), inAMinute(), c -> { }).phase()).isEqualTo(Phase.READY);
            assertThat(endpoints()).extracting(o -> o.getMetadata().getName()).containsExactly("ephemera-quick");
        }

        Reconciler plain = new Reconciler(repository, () -> SingleAdapterLookups.backends("memory", backend), () -> request -> {
            issued.add(request);
            return K3sTestPki.bundle("EC");
        }, () -> new InMemoryWorkloadClusters(0), () -> SingleAdapterLookups.sinks("memory", sink), pools, Policies.defaults(),
                new ControlPlane("test", List.of()), clock);
        Clusters clusters = new Clusters(repository, Policies.defaults(), clock);
        claim(clusters, "plain", Optional.empty(), false);
        Cluster ready = plain.runUntilSettled(ClusterId.of("plain"), inAMinute(), c -> { });
        assertThat(ready.phase()).isEqualTo(Phase.READY);
        assertThat(issued).filteredOn(q -> q.clusterName().equals("plain")).singleElement().satisfies(q -> assertThat(q.dnsNames()).isEmpty());
        assertThat(backend.request(ClusterId.of("plain")).orElseThrow().dnsName()).isEmpty();
        String url = ready.endpoint().orElseThrow().apiUrl().toString();
        assertThat(clusters.kubeconfig(ClusterId.of("plain")).reveal()).contains("server: \"" + url + "\"");
        assertThat(endpoints()).extracting(o -> o.getMetadata().getName()).containsExactly("ephemera-quick");
    }
}
