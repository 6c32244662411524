package dev.ephemera.application.lifecycle;

import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.cluster.Phase;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.cluster.TimelineEvent;
import dev.ephemera.domain.cost.ServerPrice;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The one comment Ephemera keeps on a pull request: found again by its {@link #MARKER}, rendered
 * from the cluster record alone so any process can rewrite it. Text from outside (failure
 * reasons) is put in code spans or blocks, never as Markdown.
 */
public final class PrComment {
    /** The marker the code host finds our comment by (it adds it to the comment as a hidden line). */
    public static final String MARKER = "pull-request-cluster";
    static final int MAX_TIMELINE = 20;

    private PrComment() {
    }

    /**
     * @param queuePosition 1 for the next claim to start, when the cluster is Queued
     * @param target        where the kubeconfig goes
     */
    public static String render(Cluster c, Optional<Integer> queuePosition, SinkTarget target, Instant now) {
        return render(c, queuePosition, target, Price.none("its backend states no prices"), now);
    }

    /**
     * What the comment's cost line is computed from: the price of the cluster's server, or why
     * there is none ("n/a").
     */
    public record Price(Optional<ServerPrice> price, String whyNone) {
        public Price {
            price = price == null ? Optional.empty() : price;
            whyNone = whyNone == null ? "" : whyNone;
        }

        public static Price of(ServerPrice p) {
            return new Price(Optional.of(p), "");
        }

        public static Price none(String why) {
            return new Price(Optional.empty(), why);
        }
    }

    /** As {@link #render(Cluster, Optional, SinkTarget, Instant)}, with the cost so far and projected from {@code price}. */
    public static String render(Cluster c, Optional<Integer> queuePosition, SinkTarget target, Price price, Instant now) {
        StringBuilder b = new StringBuilder(2048);
        b.append("### Ephemera cluster `").append(c.id()).append("`: ").append(c.phase().displayName()).append("\n\n");
        b.append("| | |\n|---|---|\n");
        b.append("| Phase | **").append(c.phase().displayName()).append("** since ").append(time(c.phaseSince())).append(" |\n");
        if (c.phase() == Phase.QUEUED) {
            b.append("| Queue | ").append(queuePosition.map(p -> "position **" + p + "**: every slot is taken; it starts when a cluster ahead of it is released")
                    .orElse("waiting for a free slot")).append(" |\n");
        }
        c.endpoint().ifPresent(e -> {
            b.append("| Endpoint | `").append(code(e.apiUrl().toString())).append("` |\n");
            e.dnsName().ifPresent(d -> b.append("| DNS name | `").append(code(d)).append("` |\n"));
        });
        b.append("| Backend | `").append(code(c.backend())).append("`").append(c.spec().size().map(s -> " (" + code(s) + ")").orElse("")).append(" |\n");
        b.append("| Expires | ").append(time(c.expiresAt())).append(" (in ").append(DurationText.format(positive(Duration.between(now, c.expiresAt()))))
                .append(")").append(c.deleteAfter().filter(d -> c.phase() == Phase.RELEASING).map(d -> "; released, deleted at " + time(d)).orElse(""))
                .append(" |\n");
        b.append("| Cost so far / projected | ").append(cost(c, price, now)).append(" |\n");
        b.append("| Kubeconfig | ").append(where(target)).append(" |\n\n");
        if (c.phase() == Phase.FAILED) {
            b.append("**The cluster failed.**\n\n```text\n").append(block(c.failureReason().orElse("no reason was recorded"))).append("\n```\n\n");
            b.append("What to do: the failed cluster is deleted by the reaper (unless kept for debugging); then push a commit, or close and reopen")
                    .append(" the pull request, to get a new one. To look at it first: `ephemera cluster get ").append(c.id()).append("`.\n\n");
        }
        if (c.phase() == Phase.READY) {
            b.append(snippet(target));
        }
        b.append("<details><summary>Timeline</summary>\n\n");
        int from = Math.max(0, c.timeline().size() - MAX_TIMELINE);
        for (TimelineEvent t : c.timeline().subList(from, c.timeline().size())) {
            b.append("- ").append(time(t.at())).append(" **").append(t.phase().displayName()).append("** `").append(code(t.message())).append("`\n");
        }
        b.append("\n</details>\n");
        return b.toString();
    }

    /**
     * The server costs from the start of Provisioning (when it is created) until it is deleted:
     * so far up to now (or to Deleted), projected up to the expiry or, once released, the
     * deletion. Billed per started hour, capped at the monthly price ({@link ServerPrice#costBetween}).
     */
    static String cost(Cluster c, Price price, Instant now) {
        if (price.price().isEmpty()) {
            return "n/a (" + code(price.whyNone()) + ")";
        }
        ServerPrice p = price.price().get();
        Optional<Instant> created = c.timeline().stream().filter(t -> t.phase() == Phase.PROVISIONING).map(TimelineEvent::at).findFirst();
        Optional<Instant> deleted = c.timeline().stream().filter(t -> t.phase() == Phase.DELETED).map(TimelineEvent::at).findFirst();
        Instant plannedEnd = c.deleteAfter().filter(d -> c.phase() == Phase.RELEASING || c.phase() == Phase.DELETING).orElse(c.expiresAt());
        Instant start = created.orElse(now);
        Instant end = deleted.orElse(plannedEnd.isBefore(now) ? now : plannedEnd);
        // A server that exists has begun its first hour, even in the instant it was created.
        String soFar = created.map(from -> p.costBetween(from, latest(deleted.orElse(now), from.plusSeconds(1))).text())
                .orElse("nothing yet (no server)");
        String projected = deleted.isPresent() ? "final" : p.costBetween(start, end).text() + " projected until " + time(end);
        return soFar + " so far; " + projected + "; " + code(p.text()) + ", billed per started hour, capped at the monthly price";
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String where(SinkTarget t) {
        if (t.sink().equals("github")) {
            return "secret `" + code(t.name()) + "`" + t.environment().map(e -> " in environment `" + code(e) + "`").orElse(" (repository secret)");
        }
        return "`" + code(t.toString()) + "`";
    }

    /** The kubectl and workflow lines for a GitHub secret target; other sinks get a one-line pointer. */
    static String snippet(SinkTarget t) {
        if (!t.sink().equals("github")) {
            return "The kubeconfig is in `" + code(t.toString()) + "`.\n\n";
        }
        StringBuilder b = new StringBuilder("Use it from a workflow job:\n\n```yaml\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n");
        t.environment().ifPresent(e -> b.append("    environment: ").append(e).append('\n'));
        b.append("    steps:\n      - name: Reach the cluster\n        env:\n          KUBECONFIG_DATA: ${{ secrets.").append(t.name()).append(" }}\n")
                .append("        run: |\n          printf '%s' \"$KUBECONFIG_DATA\" > \"$RUNNER_TEMP/kubeconfig\"\n")
                .append("          kubectl --kubeconfig \"$RUNNER_TEMP/kubeconfig\" get nodes\n```\n\n");
        return b.toString();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d.truncatedTo(ChronoUnit.MINUTES);
    }

    private static String time(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Text for inside a code span: no backticks, no line breaks. */
    static String code(String s) {
        return s.replace('`', '\'').replaceAll("[\\r\\n]+", " ");
    }

    /** Text for inside a fenced block: no fence can be closed from within. */
    static String block(String s) {
        return s.replace("```", "'''");
    }
}
