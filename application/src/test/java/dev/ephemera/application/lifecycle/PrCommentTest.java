package dev.ephemera.application.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Owner;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.cost.ServerPrice;
import java.math.BigDecimal;
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

    private static final ServerPrice CPX31 = new ServerPrice("cpx31", "fsn1", "EUR", new BigDecimal("0.0224"), new BigDecimal("0.0267"),
            new BigDecimal("13.99"), new BigDecimal("16.6481"));

    @Test
    @DisplayName("cost: nothing before the server exists, then started hours so far and the whole lifetime projected")
    void costSoFarAndProjected() {
        Cluster queued = requested().moveTo(Phase.QUEUED, T0, "queued");
        assertThat(PrComment.cost(queued, PrComment.Price.of(CPX31), T0.plusSeconds(600)))
                .startsWith("nothing yet (no server) so far; €1.92 (net €1.61) projected until 2026-12-09T08:00:00Z")
                .contains("cpx31 in fsn1: €0.0267/h, at most €16.65/month (gross)");

        Cluster ready = requested().moveTo(Phase.PROVISIONING, T0, "p").moveTo(Phase.BOOTSTRAPPING, T0, "b").moveTo(Phase.READY, T0.plusSeconds(90), "ready");
        String twoHoursIn = PrComment.cost(ready, PrComment.Price.of(CPX31), T0.plus(Duration.ofMinutes(90)));
        assertThat(twoHoursIn).startsWith("€0.05 (net €0.04) so far; €1.92 (net €1.61) projected until 2026-12-09T08:00:00Z");
    }

    @Test
    @DisplayName("cost: a released cluster is projected to its deletion; a long lifetime is capped at the monthly price")
    void costReleasedAndCapped() {
        Cluster released = requested().moveTo(Phase.PROVISIONING, T0, "p").moveTo(Phase.BOOTSTRAPPING, T0, "b").moveTo(Phase.READY, T0, "ready")
                .release(T0.plus(Duration.ofHours(5)), Duration.ofHours(1), "closed");
        assertThat(PrComment.cost(released, PrComment.Price.of(CPX31), T0.plus(Duration.ofHours(5))))
                .startsWith("€0.13 (net €0.11) so far; €0.16 (net €0.13) projected until 2026-12-06T14:00:00Z");

        Cluster monthLong = Cluster.requested(ClusterId.of("pr-43-shop"), Optional.of(new Owner("acme/shop", Optional.of(43))), "hetzner",
                ClusterSpec.defaults(), Instant.parse("2026-12-01T00:00:00Z"), Duration.ofDays(31)).moveTo(Phase.PROVISIONING,
                Instant.parse("2026-12-01T00:00:00Z"), "p");
        assertThat(PrComment.cost(monthLong, PrComment.Price.of(CPX31), Instant.parse("2026-12-01T00:00:00Z")))
                .contains("€16.65 (net €13.99) projected until 2027-01-01T00:00:00Z");
    }

    @Test
    @DisplayName("cost: n/a with the reason when the backend has no prices")
    void costNotAvailable() {
        assertThat(PrComment.render(requested(), Optional.empty(), TARGET, PrComment.Price.none("backend instant states no prices"), T0))
                .contains("| Cost so far / projected | n/a (backend instant states no prices) |");
    }
}
