package dev.ephemera.ports.codehost;

/** The pull request actions that change what a pull request's cluster should be. */
public enum PullRequestAction {
    OPENED,
    REOPENED,
    /** New commits were pushed to the head branch. */
    SYNCHRONIZE,
    /** Closed, merged or not ({@link PullRequestEvent#merged()} tells). */
    CLOSED,
    /** A draft was marked ready for review. */
    READY_FOR_REVIEW,
    /** The pull request was turned into a draft. */
    CONVERTED_TO_DRAFT,
    /** A label was added ({@link PullRequestEvent#label()} names it). */
    LABELED,
    /** A label was removed ({@link PullRequestEvent#label()} names it). */
    UNLABELED
}
