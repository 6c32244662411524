package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A fresh CI token for a warm pool member's claimer, against fabric8's CRUD mock with a fake token
 * controller: the API server validates a legacy token by its Secret, so the old token stops working
 * once its Secret is gone and the new Secret holds another.
 */
@DisplayName("rotateToken: a fresh CI token, the old one's Secret gone")
class RotateTokenTest {
    private static final CiAccount CI = CiAccount.defaults();

    private MockCluster cluster;
    private TokenController controller;
    private KubernetesWorkloadClusters workload;

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        controller = new TokenController(cluster.client(), cluster.caPem(), 0);
        workload = new KubernetesWorkloadClusters(new WorkloadSettings(Duration.ofSeconds(20), Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        workload.close();
        controller.close();
        cluster.close();
    }

    private String tokenInSecret() {
        Secret s = cluster.client().secrets().inNamespace(CI.namespace()).withName(CI.tokenSecret()).get();
        return new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("replaces the token Secret: the new token is the only one the cluster holds, the old one is in no Secret")
    void rotatesTheToken() {
        CiCredentials old = workload.bootstrap(cluster.admin(), CI);

        CiCredentials fresh = workload.rotateToken(cluster.admin(), CI);

        assertThat(fresh.token()).isNotEqualTo(old.token());
        assertThat(tokenInSecret()).isEqualTo(fresh.token().reveal());
        assertThat(controller.tokens).containsExactly(old.token().reveal(), fresh.token().reveal());
        assertThat(cluster.client().secrets().inAnyNamespace().list().getItems())
                .noneSatisfy(s -> assertThat(s.getData() == null ? "" : s.getData().getOrDefault("token", ""))
                        .isEqualTo(Base64.getEncoder().encodeToString(old.token().reveal().getBytes(StandardCharsets.UTF_8))));
        assertThat(fresh.caPem()).isEqualTo(cluster.caPem());
    }

    @Test
    @DisplayName("on a cluster without the CI account yet, makes it and returns its first token")
    void makesTheAccountWhenMissing() {
        CiCredentials fresh = workload.rotateToken(cluster.admin(), CI);
        assertThat(tokenInSecret()).isEqualTo(fresh.token().reveal());
        assertThat(cluster.client().serviceAccounts().inNamespace(CI.namespace()).withName(CI.serviceAccount()).get()).isNotNull();
    }

    @Test
    @DisplayName("rotating twice gives three different tokens")
    void rotatesAgain() {
        CiCredentials a = workload.bootstrap(cluster.admin(), CI);
        CiCredentials b = workload.rotateToken(cluster.admin(), CI);
        CiCredentials c = workload.rotateToken(cluster.admin(), CI);
        assertThat(java.util.Set.of(a.token().reveal(), b.token().reveal(), c.token().reveal())).hasSize(3);
        assertThat(tokenInSecret()).isEqualTo(c.token().reveal());
    }
}
