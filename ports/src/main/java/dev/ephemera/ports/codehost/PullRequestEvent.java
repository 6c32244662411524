package dev.ephemera.ports.codehost;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A pull request was opened, reopened, pushed to, or closed.
 *
 * @param merged  true only for a {@code CLOSED} pull request that was merged
 * @param headSha the head commit, for commit statuses
 * @param sender  the login of whoever caused the event
 * @param labels  the pull request's labels after the event
 * @param label   for {@code LABELED} and {@code UNLABELED}, the label added or removed
 * @param fromFork true when the head branch lives in another repository than the base (or the
 *                 head repository is unknown, e.g. deleted): such a pull request must not get secrets
 * @param draft   whether the pull request is a draft after the event
 */
public record PullRequestEvent(String deliveryId, String repository, int number, PullRequestAction action, boolean merged,
                               String headSha, String headRef, String baseRef, String sender, Optional<Long> installationId,
                               Set<String> labels, Optional<String> label, boolean fromFork, boolean draft)
        implements CodeHostEvent {

    /** An event of a pull request from the same repository, without labels, not a draft. */
    public PullRequestEvent(String deliveryId, String repository, int number, PullRequestAction action, boolean merged,
                            String headSha, String headRef, String baseRef, String sender, Optional<Long> installationId) {
        this(deliveryId, repository, number, action, merged, headSha, headRef, baseRef, sender, installationId, Set.of(), Optional.empty(),
                false, false);
    }

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
        labels = labels == null ? Set.of() : Set.copyOf(labels);
        label = label == null ? Optional.empty() : label;
        if ((action == PullRequestAction.LABELED || action == PullRequestAction.UNLABELED) && label.isEmpty()) {
            throw new IllegalArgumentException("a labeled or unlabeled event names its label");
        }
    }

    public PullRequestRef pullRequest() {
        return new PullRequestRef(repository, number);
    }
}
