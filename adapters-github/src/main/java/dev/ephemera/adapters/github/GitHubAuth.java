package dev.ephemera.adapters.github;

import java.util.Optional;

/** How requests about a repository are authorised: as a GitHub App installation, or with a plain token. */
interface GitHubAuth {
    /** The {@code Authorization} header value for a call about {@code repo}; may call GitHub to get a token. */
    String authorization(Repo repo);

    /** Who the calls about {@code repo} are made as, for messages; never contains a secret. */
    String describe(Optional<Repo> repo);

    /** After a 401: drop whatever cached credential was used for {@code repo}, so the next call starts afresh. */
    void forget(Repo repo);

    /** The login our comments are written under, asked of GitHub (App: {@code GET /app}; token: {@code GET /user}). */
    String discoverLogin();

    /** Checks the credentials are usable without calling GitHub (the key signs, the token is present). */
    void selfCheck();
}
