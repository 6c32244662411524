package dev.ephemera.ports.codehost;

import java.util.Objects;
import java.util.Optional;

/**
 * A pull request was opened, reopened, pushed to, or closed.
 *
 * @param merged  true only for a {@code CLOSED} pull request that was merged
 * @param headSha the head commit, for commit statuses
 * @param sender  the login of whoever caused the event
 */
public record PullRequestEvent(String deliveryId, String repository, int number, PullRequestAction action, boolean merged,
                               String headSha, String headRef, String baseRef, String sender, Optional<Long> installationId)
        implements CodeHostEvent {

    public PullRequestEvent {
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(action, "action");
        new PullRequestRef(repository, number);
        if (merged && action != PullRequestAction.CLOSED) {
            throw new IllegalArgumentException("only a closed pull request can be merged");
        }
        headSha = headSha == null ? "" : headSha;
        headRef = headRef == null ? "" : headRef;
        baseRef = baseRef == null ? "" : baseRef;
        sender = sender == null ? "" : sender;
        installationId = installationId == null ? Optional.empty() : installationId;
    }

    public PullRequestRef pullRequest() {
        return new PullRequestRef(repository, number);
    }
}
