package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.StoredDelivery;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link DeliveryInbox} in memory: the test double; durable only as long as the object lives. */
public final class InMemoryDeliveryInbox implements DeliveryInbox {
    private final Map<String, StoredDelivery> byId = new LinkedHashMap<>();

    @Override
    public synchronized boolean offer(CodeHostEvent event, Instant receivedAt) {
        if (byId.containsKey(event.deliveryId())) {
            return false;
        }
        byId.put(event.deliveryId(), new StoredDelivery(event, receivedAt, 0, Optional.empty(), ""));
        return true;
    }

    @Override
    public synchronized List<StoredDelivery> pending(int max) {
        return byId.values().stream().filter(StoredDelivery::pending).sorted(Comparator.comparing(StoredDelivery::receivedAt)).limit(max).toList();
    }

    @Override
    public synchronized Optional<StoredDelivery> find(String deliveryId) {
        return Optional.ofNullable(byId.get(deliveryId));
    }

    @Override
    public synchronized void done(String deliveryId, Instant at, String outcome) {
        byId.computeIfPresent(deliveryId, (k, d) -> d.pending() ? new StoredDelivery(d.event(), d.receivedAt(), d.attempts(), Optional.of(at), outcome) : d);
    }

    @Override
    public synchronized void failed(String deliveryId, String error) {
        byId.computeIfPresent(deliveryId, (k, d) -> d.pending() ? new StoredDelivery(d.event(), d.receivedAt(), d.attempts() + 1, Optional.empty(), error) : d);
    }

    @Override
    public synchronized Optional<String> lastHeadSha(String repository, int number) {
        return byId.values().stream().filter(d -> d.event() instanceof PullRequestEvent e && e.repository().equalsIgnoreCase(repository)
                        && e.number() == number && !e.headSha().isEmpty())
                .reduce((a, b) -> b.receivedAt().isBefore(a.receivedAt()) ? a : b).map(d -> ((PullRequestEvent) d.event()).headSha());
    }

    @Override
    public Health health() {
        return Health.up("in-memory delivery inbox");
    }
}
