package dev.ephemera.ports.codehost;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of a verified webhook delivery.
 *
 * @param disposition whether the event was taken, was a redelivery, or is of a kind we do not act on
 * @param deliveryId  the code host's id of the delivery (GitHub's {@code X-GitHub-Delivery})
 * @param eventType   the code host's event name, e.g. {@code pull_request}
 * @param event       the parsed event, present only when {@code disposition} is {@code ACCEPTED}
 * @param detail      one line for logs and the HTTP answer, e.g. {@code pull_request.opened acme/shop#42}
 */
public record WebhookOutcome(Disposition disposition, String deliveryId, String eventType, Optional<CodeHostEvent> event, String detail) {

    /** The three things a valid delivery can be. */
    public enum Disposition {
        /** New, parsed and handed on. */
        ACCEPTED,
        /** A delivery id seen recently: acknowledged, not handed on again. */
        DUPLICATE,
        /** New and authentic, but not an event (or action) Ephemera acts on, e.g. {@code ping}. */
        IGNORED
    }

    public WebhookOutcome {
        Objects.requireNonNull(disposition, "disposition");
        Objects.requireNonNull(deliveryId, "deliveryId");
        eventType = eventType == null ? "" : eventType;
        event = event == null ? Optional.empty() : event;
        detail = detail == null ? "" : detail;
        if ((disposition == Disposition.ACCEPTED) != event.isPresent()) {
            throw new IllegalArgumentException("an ACCEPTED outcome carries an event, the others none");
        }
    }
}
