package dev.ephemera.adapters.hetzner;

import dev.ephemera.testkit.pki.K3sTestPki;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.hetzner.BootReport;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("The hetzner backend against the fake Hetzner Cloud API")
class HetznerClusterBackendTest {
    private static PkiBundle pki;
    private FakeHetzner fake;
    private RecordingSleeper sleeper;
    private HetznerClusterBackend backend;

    @BeforeAll
    static void bundle() {
        pki = K3sTestPki.bundle("EC");
    }

    @BeforeEach
    void start() {
        fake = FakeHetzner.start();
        sleeper = new RecordingSleeper();
        backend = backend(Map.of());
    }

    @AfterEach
    void stop() {
        try {
            assertThat(fake.violations()).as("requests and user data the fake found against the spec").isEmpty();
        } finally {
            fake.close();
        }
    }

    private HetznerClusterBackend backend(Map<String, Object> extra) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("token", fake.token());
        values.put("api-url", fake.apiUrl().toString());
        values.put("api-port", Integer.toString(fake.apiPort()));
        values.put("installation", "ci");
        values.put("dns-zone", "clusters.example.com");
        values.putAll(extra);
        return new HetznerClusterBackend(HetznerSettings.from(new Settings("hetzner", values, java.util.Set.of("token"))),
                Clock.systemUTC(), sleeper);
    }

    private static ProvisionRequest request(String id) {
        return new ProvisionRequest(ClusterId.of(id), ClusterSpec.defaults(), Optional.empty(), Optional.of(pki),
                Map.of("ephemera.dev/cluster", id, "ephemera.dev/installation", "ci"));
    }

    private long posts() {
        return fake.requests().stream().filter(r -> r.startsWith("POST /v1/servers")).count();
    }

    @Test
    @DisplayName("creates a labelled server, polls its action by id, and observes it running at https://<ipv4>:<api-port>")
    void createsAndObservesRunning() {
        BackendRef ref = backend.ensure(request("pr-42-shop"));

        assertThat(ref.backend()).isEqualTo("hetzner");
        List<FakeHetzner.ServerView> servers = fake.servers();
        assertThat(servers).hasSize(1);
        FakeHetzner.ServerView s = servers.get(0);
        assertThat(ref.id()).isEqualTo(Long.toString(s.id()));
        assertThat(s.name()).isEqualTo("pr-42-shop");
        assertThat(s.status()).isEqualTo("running");
        assertThat(s.labels()).containsEntry("ephemera.dev/cluster", "pr-42-shop").containsEntry("ephemera.dev/installation", "ci");
        assertThat(s.serverType()).isEqualTo("cpx21");
        assertThat(s.location()).isEqualTo("fsn1");
        assertThat(s.image()).isEqualTo("ubuntu-24.04");
        assertThat(fake.requests()).anyMatch(r -> r.matches("GET /v1/actions/\\d+"));
        assertThat(fake.requests()).noneMatch(r -> r.equals("GET /v1/actions") || r.startsWith("GET /v1/actions?page"));

        Observation o = backend.observe(ClusterId.of("pr-42-shop"));
        assertThat(o.state()).isEqualTo(Observation.State.RUNNING);
        assertThat(o.endpoint()).isPresent();
        assertThat(o.endpoint().get().apiUrl()).isEqualTo(URI.create("https://" + s.ipv4() + ":" + fake.apiPort()));
        assertThat(o.endpoint().get().dnsName()).contains("pr-42-shop.clusters.example.com");
        assertThat(o.endpoint().get().ipAddress()).contains(s.ipv4());
    }

    @Test
    @DisplayName("the booted server's K3s answers /readyz to our admin certificate over TLS verified against our CA")
    void bootedServerAnswersReadyzWithOurPki() throws Exception {
        backend.ensure(request("pr-7"));
        URI api = backend.observe(ClusterId.of("pr-7")).endpoint().orElseThrow().apiUrl();

        HttpResponse<String> ready = K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ok");

        HttpResponse<String> anonymous = K3sTestPki.anonymousClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        PkiBundle stranger = K3sTestPki.bundle("EC");
        HttpClient wrongCa = K3sTestPki.adminClient(stranger);
        assertThatThrownBy(() -> wrongCa.send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString()))
                .hasCauseInstanceOf(SSLException.class);

        BootReport boot = fake.bootReport("pr-7").orElseThrow();
        assertThat(boot.problems()).isEmpty();
        assertThat(boot.k3sVersion()).contains("v1.31.4+k3s1");
        assertThat(boot.metadataBlocked()).isTrue();
        assertThat(boot.ownServerCa()).isFalse();
        assertThat(boot.tlsSans()).contains("pr-7.clusters.example.com");
        assertThat(boot.apiPort()).isEqualTo(fake.apiPort());
        assertThat(boot.files()).containsEntry("/var/lib/rancher/k3s/server/tls/server-ca.key", "0600");
    }

    @Test
    @DisplayName("puts nothing secret in labels")
    void noSecretInLabels() {
        backend.ensure(request("pr-8"));
        FakeHetzner.ServerView s = fake.servers().get(0);
        String labels = s.labels().toString();
        assertThat(labels).doesNotContain("BEGIN").doesNotContain(fake.token());
        pki.files().forEach(f -> assertThat(labels).doesNotContain(f.content().reveal().strip()));
        assertThat(s.labels().keySet()).containsExactlyInAnyOrder("ephemera.dev/cluster", "ephemera.dev/installation", "ephemera.dev/managed-by");
    }

    @Nested
    @DisplayName("is idempotent by cluster id")
    class Idempotent {
        @Test
        @DisplayName("a second ensure finds the server by label and creates nothing")
        void secondEnsureCreatesNothing() {
            BackendRef first = backend.ensure(request("pr-1"));
            BackendRef second = backend.ensure(request("pr-1"));
            assertThat(second).isEqualTo(first);
            assertThat(fake.servers()).hasSize(1);
            assertThat(posts()).isEqualTo(1);
        }

        @Test
        @DisplayName("a create whose answer was lost is retried, answered uniqueness_error, and the server is found: exactly one")
        void lostAnswerThenUniquenessError() {
            fake.loseNextAnswer("POST", "/servers");
            BackendRef ref = backend.ensure(request("pr-2"));
            assertThat(fake.servers()).hasSize(1);
            assertThat(ref.id()).isEqualTo(Long.toString(fake.servers().get(0).id()));
            assertThat(posts()).isEqualTo(2);
            assertThat(fake.requests()).contains("GET /v1/servers?name=pr-2&page=1&per_page=50");
            fake.completeAllActions();
            assertThat(backend.observe(ClusterId.of("pr-2")).state()).isEqualTo(Observation.State.RUNNING);
        }

        @Test
        @DisplayName("a server of the same name that is not ours is a conflict, not adopted")
        void foreignServerIsAConflict() {
            backend(Map.of("installation", "other")).ensure(request("pr-3"));
            assertThatThrownBy(() -> backend.ensure(request("pr-3")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT))
                    .hasMessageContaining("already exists").hasMessageContaining("ephemera.dev/installation=other");
            assertThat(fake.servers()).hasSize(1);
        }
    }

    @Nested
    @DisplayName("handles Hetzner's limits and errors")
    class Errors {
        @Test
        @DisplayName("a 429 with RateLimit-Reset is waited out, then the request goes through")
        void waitsOutRateLimit() {
            // Reset is a whole UNIX second 2 s ahead; at 3,600 per hour one request comes back each second,
            // so each 429 is followed by a wait of one second (never past the reset) plus at most 10 % jitter, then a retry.
            fake.rateLimitNext(2, Duration.ofSeconds(2));
            backend.ensure(request("pr-4"));
            assertThat(fake.servers()).hasSize(1);
            // The two 429s answer the very first request, so the first two waits are theirs (action polls come later).
            List<Duration> rateWaits = sleeper.waits().subList(0, 2);
            assertThat(rateWaits).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1100)));
            assertThat(fake.requests().stream().filter(r -> r.startsWith("GET /v1/servers?label_selector")).count())
                    .as("the first request was answered 429 twice, then went through").isEqualTo(3);
            assertThat(backend.client().lastRateLimit()).get().extracting(RateLimit::limit).isEqualTo(3600L);
        }

        @Test
        @DisplayName("a rate limit that lasts past rate-limit-max-wait fails with RATE_LIMITED")
        void rateLimitBounded() {
            HetznerClusterBackend impatient = backend(Map.of("rate-limit-max-wait", "500ms"));
            fake.rateLimitNext(100, Duration.ofSeconds(30));
            assertThatThrownBy(() -> impatient.ensure(request("pr-5")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED));
            fake.rateLimitNext(0, Duration.ZERO);
        }

        @Test
        @DisplayName("resource_limit_exceeded fails with LIMIT_EXCEEDED saying what to do, and leaves nothing behind")
        void resourceLimitExceeded() {
            HetznerClusterBackend withIp = backend(Map.of("primary-ip", "true"));
            fake.setServerLimit(0);
            assertThatThrownBy(() -> withIp.ensure(request("pr-6")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED))
                    .hasMessageContaining("resource_limit_exceeded").hasMessageContaining("limit")
                    .hasMessageContaining("delete clusters you no longer need");
            assertThat(fake.servers()).isEmpty();
            assertThat(fake.primaryIps()).as("the primary IP made for the failed create is released").isEmpty();
        }

        @Test
        @DisplayName("resource_unavailable explains the type may be restricted in that location")
        void resourceUnavailable() {
            fake.restrict("cpx21", "fsn1");
            assertThatThrownBy(() -> backend.ensure(request("pr-9")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("resource_unavailable").hasMessageContaining("restricted").hasMessageContaining("hetzner.location");
        }

        @Test
        @DisplayName("an unknown server type is refused before creating, listing the types sold there with prices")
        void unknownServerType() {
            ProvisionRequest r = new ProvisionRequest(ClusterId.of("pr-10"), new ClusterSpec(Optional.empty(), Optional.of("cpx99"),
                    Optional.empty(), Map.of(), List.of()), Optional.empty(), Optional.of(pki), Map.of());
            assertThatThrownBy(() -> backend.ensure(r))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                    .hasMessageContaining("cpx99").hasMessageContaining("cpx21 (€");
            assertThat(posts()).isZero();
        }

        @Test
        @DisplayName("a label Hetzner would refuse is refused before any request")
        void invalidLabel() {
            ProvisionRequest r = new ProvisionRequest(ClusterId.of("pr-11"), ClusterSpec.defaults(), Optional.empty(), Optional.of(pki),
                    Map.of("ephemera.dev/owner", "org/repo#42"));
            assertThatThrownBy(() -> backend.ensure(r))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                    .hasMessageContaining("ephemera.dev/owner");
            assertThat(fake.requests()).isEmpty();
        }

        @Test
        @DisplayName("a wrong token is UNAUTHENTICATED, naming the setting")
        void wrongToken() {
            HetznerClusterBackend wrong = backend(Map.of("token", "not-the-token"));
            assertThatThrownBy(() -> wrong.owned())
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                    .hasMessageContaining("hetzner.token");
            assertThat(wrong.health().up()).isFalse();
            assertThat(backend.health().up()).isTrue();
        }

        @Test
        @DisplayName("a server locked by a running action is deleted once the lock is gone")
        void lockedDeleteIsRetried() {
            backend.ensure(request("pr-12"));
            fake.failNext("DELETE", "/servers/\\d+", "locked", 2);
            backend.destroy(ClusterId.of("pr-12"));
            assertThat(fake.servers()).isEmpty();
        }

        @Test
        @DisplayName("a create action that fails is reported with its code, and the server is observed FAILED")
        void failedCreateAction() {
            fake.failNextAction("create_server", "resource_unavailable");
            assertThatThrownBy(() -> backend.ensure(request("pr-14")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("create_server").hasMessageContaining("resource_unavailable").hasMessageContaining("hetzner.location");
            Observation o = backend.observe(ClusterId.of("pr-14"));
            assertThat(o.state()).isEqualTo(Observation.State.FAILED);
            assertThat(o.detail()).contains("off").contains("delete the cluster");
            backend.destroy(ClusterId.of("pr-14"));
            assertThat(fake.servers()).isEmpty();
        }

        @Test
        @DisplayName("a PKI bundle is required")
        void pkiRequired() {
            ProvisionRequest r = new ProvisionRequest(ClusterId.of("pr-13"), ClusterSpec.defaults(), Optional.empty(), Optional.empty(), Map.of());
            assertThatThrownBy(() -> backend.ensure(r)).isInstanceOfSatisfying(EphemeraException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID)).hasMessageContaining("PKI");
        }
    }

    @Nested
    @DisplayName("destroys and lists what it owns")
    class Lifecycle {
        @Test
        @DisplayName("destroy waits for the delete action and leaves nothing; destroying again is fine")
        void destroyLeavesNothing() throws Exception {
            HetznerClusterBackend withIp = backend(Map.of("primary-ip", "true"));
            withIp.ensure(request("pr-20"));
            URI api = withIp.observe(ClusterId.of("pr-20")).endpoint().orElseThrow().apiUrl();
            assertThat(fake.primaryIps()).hasSize(1);

            withIp.destroy(ClusterId.of("pr-20"));

            assertThat(fake.servers()).isEmpty();
            assertThat(fake.primaryIps()).isEmpty();
            assertThat(withIp.owned()).isEmpty();
            assertThat(withIp.observe(ClusterId.of("pr-20")).state()).isEqualTo(Observation.State.ABSENT);
            assertThatThrownBy(() -> K3sTestPki.adminClient(pki).send(HttpRequest.newBuilder(api.resolve("/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
            withIp.destroy(ClusterId.of("pr-20"));
            assertThat(fake.requests()).anyMatch(r -> r.matches("DELETE /v1/servers/\\d+"));
        }

        @Test
        @DisplayName("with a primary IP, its address is in the K3s certificate from the start and is the endpoint")
        void primaryIpIsKnownBeforeBoot() {
            HetznerClusterBackend withIp = backend(Map.of("primary-ip", "true"));
            withIp.ensure(request("pr-21"));
            String ip = fake.primaryIps().get(0).ip();
            assertThat(fake.primaryIps().get(0).labels()).containsEntry("ephemera.dev/cluster", "pr-21");
            assertThat(fake.bootReport("pr-21").orElseThrow().tlsSans()).contains(ip, "pr-21.clusters.example.com");
            assertThat(withIp.observe(ClusterId.of("pr-21")).endpoint().orElseThrow().ipAddress()).contains(ip);
        }

        @Test
        @DisplayName("applies the configured SSH keys and firewall, refusing names the project does not have")
        void sshKeysAndFirewall() {
            fake.addSshKey("ci-key");
            long fw = fake.addFirewall("k3s-api");
            backend(Map.of("ssh-keys", List.of("ci-key"), "firewall", "k3s-api")).ensure(request("pr-23"));
            assertThat(fake.servers().get(0).sshKeys()).containsExactly("ci-key");
            assertThat(fake.servers().get(0).firewalls()).containsExactly(fw);
            assertThatThrownBy(() -> backend(Map.of("ssh-keys", "missing-key")).ensure(request("pr-24")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                    .hasMessageContaining("missing-key");
            assertThatThrownBy(() -> backend(Map.of("firewall", "999999")).ensure(request("pr-25")))
                    .hasMessageContaining("999999");
        }

        @Test
        @DisplayName("owned() lists this installation's servers only, across pages")
        void ownedByInstallation() {
            fake.close();
            fake = FakeHetzner.start(FakeHetzner.Options.defaults().withMaxPerPage(2).withActionPolls(0));
            backend = backend(Map.of());
            HetznerClusterBackend other = backend(Map.of("installation", "other"));
            for (int i = 0; i < 5; i++) {
                backend.ensure(request("mine-" + i));
            }
            other.ensure(request("theirs"));
            List<OwnedResource> owned = backend.owned();
            assertThat(owned).hasSize(5).allSatisfy(r -> assertThat(r.kind()).isEqualTo("hetzner-server"));
            assertThat(owned).extracting(r -> r.clusterId().orElseThrow())
                    .containsExactlyInAnyOrder("mine-0", "mine-1", "mine-2", "mine-3", "mine-4");
            assertThat(other.owned()).extracting(r -> r.clusterId().orElseThrow()).containsExactly("theirs");
            assertThat(fake.requests()).anyMatch(r -> r.contains("label_selector=ephemera.dev%2Finstallation%3Dci&page=3"));
        }

        @Test
        @DisplayName("observes a server still being created as CREATING")
        void creating() {
            fake.close();
            fake = FakeHetzner.start(FakeHetzner.Options.defaults().withActionPolls(1000).withActionDuration(Duration.ofHours(1)));
            backend = backend(Map.of("action-timeout", "1ms"));
            assertThatThrownBy(() -> backend.ensure(request("pr-22")))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT));
            Observation o = backend.observe(ClusterId.of("pr-22"));
            assertThat(o.state()).isEqualTo(Observation.State.CREATING);
            assertThat(backend.ensure(request("pr-22")).id()).isEqualTo(Long.toString(fake.servers().get(0).id()));
            assertThat(fake.servers()).hasSize(1);
        }
    }
}
