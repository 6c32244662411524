package dev.ephemera.ports.codehost;

import dev.ephemera.ports.spi.Adapter;

/**
 * Turns the code host's webhook deliveries into events: checks the signature over the raw body,
 * recognises redeliveries, and parses the events Ephemera acts on. It keeps no state beyond the
 * recent delivery ids, so the server can call it on every request.
 */
public interface CodeHostWebhooks extends Adapter {
    /**
     * Verifies and parses one delivery.
     *
     * @throws dev.ephemera.domain.error.EphemeraException {@code UNAUTHENTICATED} for a missing or
     *         wrong signature (nothing is recorded, not even the delivery id), {@code INVALID} for
     *         an authentic body that is not the JSON the event promises
     */
    WebhookOutcome accept(WebhookDelivery delivery);
}
