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

    /**
     * One cheap authenticated call, not retried, for health checks: App: {@code GET /app} with the
     * JWT; token: {@code GET /rate_limit}, which does not count against the rate limit.
     *
     * @return the call made, e.g. {@code "GET /app"}
     * @throws dev.ephemera.domain.error.EphemeraException what GitHub refused, or that it could not be reached
     */
    String probe();
}
