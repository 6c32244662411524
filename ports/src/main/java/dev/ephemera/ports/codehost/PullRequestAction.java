package dev.ephemera.ports.codehost;

/** The pull request actions that change what a pull request's cluster should be. */
public enum PullRequestAction {
    OPENED,
    REOPENED,
    /** New commits were pushed to the head branch. */
    SYNCHRONIZE,
    /** Closed, merged or not ({@link PullRequestEvent#merged()} tells). */
    CLOSED
}
