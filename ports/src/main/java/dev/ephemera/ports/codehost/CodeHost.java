package dev.ephemera.ports.codehost;

import dev.ephemera.ports.spi.Adapter;
import java.util.Optional;

/** The code host where pull requests live: one kept-up-to-date comment per marker, and commit statuses. */
public interface CodeHost extends Adapter {
    /**
     * Creates the comment carrying {@code marker}, or edits ours in place if it exists; only our
     * own comments are considered and every page is searched.
     */
    CommentRef upsertComment(PullRequestRef pr, String marker, String body);

    void setStatus(String repository, String sha, CommitState state, String context, String description, Optional<String> targetUrl);
}
