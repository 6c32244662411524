package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.retry.Sleeper;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Vault client on the shared retry policy: counted attempts, recorded waits, bounded answers. */
@DisplayName("The Vault client's retries")
class VaultRetryTest {
    private FakeVault vault = FakeVault.start();
    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final Sleeper recording = waits::add;

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    @DisplayName("a sealed Vault is reported after the attempts really made (1 + vault.max-retries)")
    void sealedCountsAttempts() {
        Map<String, Object> section = TestVaults.section(vault);
        VaultSettings s = TestVaults.vaultSettings(section);
        VaultClient c = new VaultClient(s, Clock.systemUTC(), TestVaults.fast(s), recording);
        c.start();
        vault.seal();
        assertThatThrownBy(() -> c.read("pools/a"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("answered 503 after 6 attempts");
        assertThat(waits).hasSize(5);
    }

    @Test
    @DisplayName("logging in to a sealed Vault says how many attempts it made, not 1")
    void sealedLoginCountsAttempts() {
        vault.appRole("ci", "role-1", "secret-1", Duration.ofMinutes(20), Duration.ofHours(1), "pools");
        Map<String, Object> section = TestVaults.section(vault);
        section.remove("token");
        section.put("auth", "approle");
        section.put("role-id", "role-1");
        section.put("secret-id", "secret-1");
        section.put("max-retries", "2");
        VaultSettings s = TestVaults.vaultSettings(section);
        vault.seal();
        VaultClient c = new VaultClient(s, Clock.systemUTC(), TestVaults.fast(s), recording);
        assertThatThrownBy(c::start)
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("answered 503 after 3 attempts");
        assertThat(waits).hasSize(2);
    }

    @Test
    @DisplayName("an answer larger than 8 MiB is a BACKEND error, not buffered")
    void oversizeAnswer() throws Exception {
        HttpServer big = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        big.createContext("/", x -> {
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) ' ');
                for (int i = 0; i < 9 * 16; i++) {
                    out.write(chunk);
                }
            } catch (java.io.IOException closedByClient) {
                // the client stops reading at the limit
            }
        });
        big.start();
        try {
            Map<String, Object> section = TestVaults.section(vault);
            section.put("address", "http://127.0.0.1:" + big.getAddress().getPort());
            VaultSettings s = TestVaults.vaultSettings(section);
            VaultHttp http = new VaultHttp(s, TestVaults.fast(s), recording);
            assertThatThrownBy(() -> http.send("GET", "secret/data/x", Optional.empty(), Optional.empty(), true))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("larger than 8 MiB");
            assertThat(waits).isEmpty();
        } finally {
            big.stop(0);
        }
    }
}
