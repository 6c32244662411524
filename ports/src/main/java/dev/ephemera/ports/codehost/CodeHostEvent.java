package dev.ephemera.ports.codehost;

import java.util.Optional;

/** An event from the code host that Ephemera acts on; parsed from a verified webhook delivery. */
public sealed interface CodeHostEvent permits PullRequestEvent, RepositoryDispatchEvent {
    /** The code host's id of the delivery that carried the event. */
    String deliveryId();

    /** {@code OWNER/REPO}. */
    String repository();

    /** The GitHub App installation the event came through, when it came through one. */
    Optional<Long> installationId();
}
