package dev.ephemera.adapters.hetzner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.testkit.fake.hetzner.FakeHetzner;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The Hetzner Cloud API client")
class HetznerClientTest {
    private FakeHetzner fake;
    private RecordingSleeper sleeper;
    private HetznerClient client;

    @BeforeEach
    void start() {
        fake = FakeHetzner.start();
        sleeper = new RecordingSleeper();
        client = new HetznerClient(fake.apiUrl(), Secret.of(fake.token()), HetznerClient.Options.defaults(), Clock.systemUTC(), sleeper);
    }

    @AfterEach
    void stop() {
        try {
            assertThat(fake.violations()).isEmpty();
        } finally {
            fake.close();
        }
    }

    @Test
    @DisplayName("reads server types with their price in each location")
    void serverTypesWithPrices() {
        ServerType cpx21 = client.serverType("cpx21").orElseThrow();
        assertThat(cpx21.cores()).isEqualTo(3);
        assertThat(cpx21.availableIn("fsn1")).isTrue();
        ServerType.Price fsn1 = cpx21.priceIn("fsn1").orElseThrow();
        assertThat(fsn1.hourlyGross()).isGreaterThan(fsn1.hourlyNet());
        assertThat(fsn1.monthlyNet()).isPositive();
        assertThat(client.serverTypes()).extracting(ServerType::name).contains("cpx11", "cpx21", "cax11");
        assertThat(client.serverType("cax11").orElseThrow().availableIn("ash")).isFalse();
    }

    @Test
    @DisplayName("reads locations, images by architecture, SSH keys and firewalls by name")
    void catalogue() {
        fake.addSshKey("ci-key");
        long fw = fake.addFirewall("k3s-api");
        assertThat(client.locations()).extracting(Location::name).contains("fsn1", "nbg1", "hel1");
        assertThat(client.location("hel1")).get().extracting(Location::city).isEqualTo("Helsinki");
        assertThat(client.images("ubuntu-24.04", Optional.of("arm"))).singleElement().extracting(Image::architecture).isEqualTo("arm");
        assertThat(client.sshKey("ci-key")).get().extracting(SshKey::name).isEqualTo("ci-key");
        assertThat(client.sshKey("nope")).isEmpty();
        assertThat(client.firewall("k3s-api")).get().extracting(Firewall::id).isEqualTo(fw);
        assertThat(client.firewall(fw)).isPresent();
        assertThat(client.server(4242)).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "resource_limit_exceeded, LIMIT_EXCEEDED, raise the project's limits",
            "server_limit_exceeded, LIMIT_EXCEEDED, delete clusters you no longer need",
            "invalid_input, INVALID, Check the hetzner settings",
            "resource_unavailable, BACKEND, restricted",
            "uniqueness_error, CONFLICT, already exists",
            "forbidden, PERMISSION_DENIED, Read & Write",
            "protected, CONFLICT, protection"})
    @DisplayName("maps Hetzner's error codes to ours, with what to do")
    void mapsErrors(String code, ErrorCode ours, String hint) {
        fake.failNext("POST", "/primary_ips", code);
        assertThatThrownBy(() -> client.createPrimaryIpv4("x-ipv4", "fsn1", Map.of("ephemera.dev/cluster", "x")))
                .isInstanceOfSatisfying(HetznerApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ours);
                    assertThat(e.apiCode()).isEqualTo(code);
                })
                .hasMessageContaining(code).hasMessageContaining(hint);
        assertThat(fake.primaryIps()).isEmpty();
    }

    @Test
    @DisplayName("retries conflict and locked with bounded, jittered backoff")
    void retriesRetryableCodes() {
        fake.failNext("GET", "/servers", "conflict");
        fake.failNext("GET", "/servers", "locked");
        assertThat(client.servers("ephemera.dev/installation=ci")).isEmpty();
        assertThat(sleeper.waits()).hasSize(2);
        fake.failNext("GET", "/servers", "server_error", 10);
        assertThatThrownBy(() -> client.servers("a=b"))
                .isInstanceOfSatisfying(HetznerApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(fake.requests().stream().filter(r -> r.startsWith("GET /v1/servers?label_selector=a%3Db")).count()).isEqualTo(5);
        fake.failNext("GET", "/servers", "server_error", 0);
    }

    @Test
    @DisplayName("waits on actions with GET /actions/{id} only, never the removed list")
    void waitsOnActionsById() {
        PrimaryIp ip = client.createPrimaryIpv4("a-ipv4", "fsn1", Map.of());
        assertThat(ip.ip()).startsWith("127.");
        assertThat(client.primaryIpByName("a-ipv4")).isPresent();
        client.deletePrimaryIp(ip.id());
        client.deletePrimaryIp(ip.id());
        assertThat(fake.requests()).noneMatch(r -> r.startsWith("GET /v1/actions?") && !r.contains("id="));
    }

    @Test
    @DisplayName("parses RateLimit headers and knows one request comes back per refill interval")
    void rateLimitHeaders() {
        client.locations();
        RateLimit rl = client.lastRateLimit().orElseThrow();
        assertThat(rl.limit()).isEqualTo(3600);
        assertThat(rl.remaining()).isBetween(3590L, 3599L);
        assertThat(rl.untilNextRequest(rl.reset().minusSeconds(10))).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(rl.untilNextRequest(rl.reset().plusSeconds(1))).isZero();
    }
}
