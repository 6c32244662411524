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
}
