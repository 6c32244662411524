package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.ports.workload.AdminAccess;
import java.net.URI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the connections kept to API servers")
class ApiConnectionsTest {
    private static final TestPki.Issued CA = TestPki.ca("ca", TestPki.Alg.EC);
    private static final TestPki.Issued ADMIN = TestPki.client(CA, "system:admin", "system:masters", TestPki.Alg.EC);

    private static AdminAccess at(String server) {
        return new AdminAccess(URI.create(server), CA.certPem(), ADMIN.certPem(), ADMIN.keyPem());
    }

    @Test
    @DisplayName("keeps one connection per server and credential, reused while the same")
    void onePerServer() {
        try (ApiConnections c = new ApiConnections(WorkloadSettings.defaults(), 4)) {
            ApiConnections.Connection a = c.acquire(at("https://127.0.0.1:6443"));
            ApiConnections.Connection again = c.acquire(at("https://127.0.0.1:6443"));
            TestPki.Issued other = TestPki.client(CA, "system:admin", "system:masters", TestPki.Alg.EC);
            ApiConnections.Connection newKey = c.acquire(new AdminAccess(URI.create("https://127.0.0.1:6443"), CA.certPem(), other.certPem(), other.keyPem()));

            assertThat(again).isSameAs(a);
            assertThat(newKey).isNotSameAs(a);
            assertThat(c.size()).isEqualTo(2);
            a.release();
            again.release();
            newKey.release();
        }
    }

    @Test
    @DisplayName("holds at most its capacity, dropping the least recently used, and forgets a server on request")
    void bounded() {
        try (ApiConnections c = new ApiConnections(WorkloadSettings.defaults(), 2)) {
            c.acquire(at("https://127.0.0.1:1")).release();
            c.acquire(at("https://127.0.0.1:2")).release();
            c.acquire(at("https://127.0.0.1:1")).release();
            c.acquire(at("https://127.0.0.1:3")).release();

            assertThat(c.size()).isEqualTo(2);
            c.forget(at("https://127.0.0.1:3"));
            assertThat(c.size()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("refuses new work once closed")
    void closed() {
        ApiConnections c = new ApiConnections(WorkloadSettings.defaults(), 2);
        c.close();

        assertThatThrownBy(() -> c.acquire(at("https://127.0.0.1:1"))).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
