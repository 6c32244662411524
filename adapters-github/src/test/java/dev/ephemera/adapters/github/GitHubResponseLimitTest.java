package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.retry.BoundedBody;
import dev.ephemera.retry.RetryPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** GitHub's answers are read with the 8 MiB limit; a longer one is a BACKEND error and is not retried. */
@DisplayName("GitHub answers larger than the limit")
class GitHubResponseLimitTest {
    @Test
    @DisplayName("a 9 MiB answer fails with BACKEND naming the request, after one attempt")
    void oversize() throws Exception {
        int[] calls = {0};
        HttpServer big = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        big.createContext("/", x -> {
            calls[0]++;
            x.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 9 * 16; i++) {
                    out.write(chunk);
                }
            } catch (IOException closedByClient) {
                // the client stops reading at the limit
            }
        });
        big.start();
        List<Duration> waits = new CopyOnWriteArrayList<>();
        try {
            GitHubApi api = new GitHubApi(URI.create("http://127.0.0.1:" + big.getAddress().getPort()), GitHubApi.newHttpClient(Duration.ofSeconds(5)),
                    new ObjectMapper(), new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(1)),
                    Duration.ofSeconds(30), Clock.systemUTC(), waits::add, BoundedBody.DEFAULT_LIMIT);
            assertThatThrownBy(() -> api.send("GET", "/repos/acme/shop", null, true, () -> "Bearer x", "the test token"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("GitHub's answer to GET /repos/acme/shop is larger than 8 MiB");
            assertThat(calls[0]).isEqualTo(1);
            assertThat(waits).isEmpty();
        } finally {
            big.stop(0);
        }
    }
}
