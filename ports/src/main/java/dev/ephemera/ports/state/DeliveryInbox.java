package dev.ephemera.ports.state;

import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.spi.Adapter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Code host deliveries kept durably between the webhook's answer and their processing, so an
 * event acknowledged to GitHub (which never redelivers after a 2xx by itself) survives a
 * restart. Idempotent by delivery id: a redelivery is recognised and stored once. Safe for
 * several threads. Processing is at least once: a delivery whose processing was cut short is
 * pending again, so what processes it must be idempotent (claims and releases are, by cluster id).
 */
public interface DeliveryInbox extends Adapter {
    /**
     * Stores {@code event} as pending unless a delivery with its id is stored already.
     *
     * @return true if it was new; false for a redelivery (nothing changes)
     */
    boolean offer(CodeHostEvent event, Instant receivedAt);

    /** Pending deliveries, oldest first, at most {@code max}. */
    List<StoredDelivery> pending(int max);

    /** The stored delivery with this id, pending or done. */
    Optional<StoredDelivery> find(String deliveryId);

    /** Processing finished: the delivery is no longer pending. Idempotent. */
    void done(String deliveryId, Instant at, String outcome);

    /** Processing failed: counts the attempt, keeps the error; the delivery stays pending. */
    void failed(String deliveryId, String error);

    /**
     * The head commit of a pull request as the latest received {@code pull_request} delivery
     * naming one says (pending or done; the repository compared case-insensitively): where the
     * commit status goes, also after a restart.
     *
     * @return empty when no stored delivery of that pull request names a head commit
     */
    Optional<String> lastHeadSha(String repository, int number);
}
