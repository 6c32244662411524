package dev.ephemera.ports.state;

import dev.ephemera.ports.codehost.CodeHostEvent;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A code host delivery as the {@link DeliveryInbox} keeps it.
 *
 * @param event      the verified, parsed event; its {@code deliveryId} is the key
 * @param receivedAt when it was stored
 * @param attempts   how many times processing it failed so far
 * @param doneAt     when processing finished (or was given up), empty while pending
 * @param outcome    one line on what processing did, or the last error; empty while never tried
 */
public record StoredDelivery(CodeHostEvent event, Instant receivedAt, int attempts, Optional<Instant> doneAt, String outcome) {
    public StoredDelivery {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(receivedAt, "receivedAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative");
        }
        doneAt = doneAt == null ? Optional.empty() : doneAt;
        outcome = outcome == null ? "" : outcome;
    }

    public String deliveryId() {
        return event.deliveryId();
    }

    public boolean pending() {
        return doneAt.isEmpty();
    }
}
