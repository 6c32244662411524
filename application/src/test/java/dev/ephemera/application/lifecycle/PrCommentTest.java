package dev.ephemera.application.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The pull request comment")
class PrCommentTest {
    private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
    private static final SinkTarget TARGET = SinkTarget.parse("github:acme/shop@pr-42:E2E_KUBECONFIG");

    private static Cluster requested() {
        return Cluster.requested(ClusterId.of("pr-42-shop"), Optional.of(new Owner("acme/shop", Optional.of(42))), "hetzner",
                ClusterSpec.defaults(), T0, Duration.ofDays(3));
    }

    @Test
    @DisplayName("a failure shows the reason as text that cannot close its block, and what to do with commands that exist")
    void failure() {
        Cluster failed = requested().moveTo(Phase.PROVISIONING, T0, "provisioning").moveTo(Phase.FAILED, T0.plusSeconds(60),
                "server create failed: ```\n**quota** <script>");
        String body = PrComment.render(failed, Optional.empty(), TARGET, T0.plusSeconds(61));

        assertThat(body).contains("**The cluster failed.**").contains("```text\nserver create failed: '''\n**quota** <script>\n```")
                .contains("What to do").contains("`ephemera cluster get pr-42-shop`").doesNotContain("environment: pr-42");
        assertThat(body.split("```", -1).length % 2).as("every code fence is closed").isEqualTo(1);
    }

    @Test
    @DisplayName("a queued claim shows its position; cost is n/a; a Ready one shows the workflow snippet")
    void queuedAndReady() {
        Cluster queued = requested().moveTo(Phase.QUEUED, T0, "queued: the limit of 10 live clusters is reached");
        assertThat(PrComment.render(queued, Optional.of(3), TARGET, T0)).contains("**Queued**").contains("position **3**")
                .contains("Cost so far / projected | n/a").contains("secret `E2E_KUBECONFIG` in environment `pr-42`");

        Cluster ready = requested().moveTo(Phase.PROVISIONING, T0, "p").moveTo(Phase.BOOTSTRAPPING, T0, "b").moveTo(Phase.READY, T0, "ready");
        assertThat(PrComment.render(ready, Optional.empty(), TARGET, T0)).contains("environment: pr-42")
                .contains("KUBECONFIG_DATA: ${{ secrets.E2E_KUBECONFIG }}").contains("kubectl --kubeconfig \"$RUNNER_TEMP/kubeconfig\" get nodes")
                .contains("Expires | 2026-12-09T08:00:00Z (in 3d)");
    }

    @Test
    @DisplayName("event text in log lines is quoted with control characters escaped")
    void logEscaping() {
        assertThat(LogText.escape("acme/shop\n[INFO] forged \"line\"")).isEqualTo("\"acme/shop\\u000a[INFO] forged \\u0022line\\u0022\"");
        assertThat(LogText.escape("x".repeat(300))).hasSize(203);
    }
}
