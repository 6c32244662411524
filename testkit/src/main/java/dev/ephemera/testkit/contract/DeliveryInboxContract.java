package dev.ephemera.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.PullRequestAction;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.StoredDelivery;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DeliveryInbox} must do. A store's test extends this; {@link #reopen} gives a
 * second instance on the same storage (a restart), or the same instance for memory-only stores.
 */
public abstract class DeliveryInboxContract {
    private static final Instant T0 = Instant.parse("2026-12-06T07:00:00Z");

    protected abstract DeliveryInbox newInbox();

    /** The same storage seen by a new instance, as after a restart. */
    protected abstract DeliveryInbox reopen(DeliveryInbox inbox);

    private static PullRequestEvent opened(String id, int number) {
        return new PullRequestEvent(id, "acme/shop", number, PullRequestAction.OPENED, false, "abc123", "feature/x", "main", "octocat",
                Optional.of(7L), Set.of("ephemeral-cluster", "bug"), Optional.empty(), true, true);
    }

    @Test
    @DisplayName("stores a delivery once: a redelivery with the same id changes nothing")
    void storesOnce() {
        DeliveryInbox inbox = newInbox();
        assertThat(inbox.offer(opened("d-1", 1), T0)).isTrue();
        assertThat(inbox.offer(opened("d-1", 99), T0.plusSeconds(5))).isFalse();
        assertThat(inbox.pending(10)).singleElement().satisfies(d -> {
            assertThat(d.deliveryId()).isEqualTo("d-1");
            assertThat(((PullRequestEvent) d.event()).number()).isEqualTo(1);
            assertThat(d.receivedAt()).isEqualTo(T0);
        });
    }

    @Test
    @DisplayName("gives back every field of pull request and dispatch events as stored")
    void roundTrips() {
        DeliveryInbox inbox = newInbox();
        PullRequestEvent pr = opened("d-1", 42);
        PullRequestEvent labeled = new PullRequestEvent("d-2", "acme/shop", 42, PullRequestAction.UNLABELED, false, "", "", "", "",
                Optional.empty(), Set.of(), Optional.of("ephemeral-cluster"), false, false);
        RepositoryDispatchEvent dispatch = new RepositoryDispatchEvent("d-3", "acme/infra", "create_ephemeral_cluster",
                "{\"pr_number\":\"42\",\"repository\":\"shop\",\"branch\":\"feature/x\"}", "octocat", Optional.of(9L),
                java.util.Map.of("pr_number", "42", "repository", "shop", "branch", "feature/x"));
        inbox.offer(pr, T0);
        inbox.offer(labeled, T0.plusSeconds(1));
        inbox.offer(dispatch, T0.plusSeconds(2));
        DeliveryInbox again = reopen(inbox);
        assertThat(again.pending(10)).extracting(StoredDelivery::event).containsExactly(pr, labeled, dispatch);
    }

    @Test
    @DisplayName("keeps pending deliveries, oldest first, until done; counts failed attempts")
    void pendingUntilDone() {
        DeliveryInbox inbox = newInbox();
        inbox.offer(opened("b", 2), T0.plusSeconds(2));
        inbox.offer(opened("a", 1), T0.plusSeconds(1));
        inbox.offer(opened("c", 3), T0.plusSeconds(3));
        assertThat(inbox.pending(2)).extracting(StoredDelivery::deliveryId).containsExactly("a", "b");
        inbox.failed("a", "store unavailable");
        inbox.done("b", T0.plusSeconds(10), "claimed pr-2-shop");
        inbox.done("b", T0.plusSeconds(20), "again");
        assertThat(inbox.pending(10)).extracting(StoredDelivery::deliveryId).containsExactly("a", "c");
        assertThat(inbox.find("a")).get().satisfies(d -> {
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.outcome()).isEqualTo("store unavailable");
        });
        assertThat(inbox.find("b")).get().satisfies(d -> {
            assertThat(d.pending()).isFalse();
            assertThat(d.doneAt()).contains(T0.plusSeconds(10));
            assertThat(d.outcome()).isEqualTo("claimed pr-2-shop");
        });
        assertThat(inbox.find("nope")).isEmpty();
    }

    @Test
    @DisplayName("a done delivery offered again stays done")
    void doneStaysDone() {
        DeliveryInbox inbox = newInbox();
        CodeHostEvent e = opened("d-1", 1);
        inbox.offer(e, T0);
        inbox.done("d-1", T0, "ok");
        assertThat(reopen(inbox).offer(e, T0.plusSeconds(60))).isFalse();
        assertThat(reopen(inbox).pending(10)).isEmpty();
    }

    private static PullRequestEvent pushed(String id, String repository, int number, String sha) {
        return new PullRequestEvent(id, repository, number, PullRequestAction.SYNCHRONIZE, false, sha, "feature/x", "main", "octocat",
                Optional.of(7L), Set.of(), Optional.empty(), false, false);
    }

    @Test
    @DisplayName("knows a pull request's head commit from its latest received delivery naming one, also after a restart")
    void lastHeadSha() {
        DeliveryInbox inbox = newInbox();
        assertThat(inbox.lastHeadSha("acme/shop", 42)).isEmpty();
        inbox.offer(pushed("h-1", "acme/shop", 42, "aaa111"), T0);
        inbox.offer(pushed("h-3", "acme/shop", 42, "ccc333"), T0.plusSeconds(30));
        inbox.offer(pushed("h-2", "acme/shop", 42, "bbb222"), T0.plusSeconds(20)); // stored later, received earlier
        inbox.offer(pushed("h-4", "acme/shop", 43, "ddd444"), T0.plusSeconds(40)); // another pull request
        inbox.offer(pushed("h-5", "acme/other", 42, "eee555"), T0.plusSeconds(50)); // another repository
        inbox.offer(new PullRequestEvent("h-6", "acme/shop", 42, PullRequestAction.LABELED, false, "", "", "", "", Optional.empty(), Set.of(),
                Optional.of("x"), false, false), T0.plusSeconds(60)); // names no head commit
        inbox.offer(new RepositoryDispatchEvent("h-7", "acme/shop", "create_ephemeral_cluster", "{\"pr_number\":\"42\"}", "octocat",
                Optional.empty(), java.util.Map.of("pr_number", "42")), T0.plusSeconds(70));
        inbox.done("h-3", T0.plusSeconds(31), "refreshed");

        DeliveryInbox again = reopen(inbox);
        assertThat(again.lastHeadSha("acme/shop", 42)).contains("ccc333");
        assertThat(again.lastHeadSha("ACME/Shop", 42)).as("GitHub names are case-insensitive").contains("ccc333");
        assertThat(again.lastHeadSha("acme/shop", 43)).contains("ddd444");
        assertThat(again.lastHeadSha("acme/shop", 44)).isEmpty();
    }
}
