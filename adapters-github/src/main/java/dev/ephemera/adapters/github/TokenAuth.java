package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import java.util.Optional;

/** A plain token (e.g. {@code GITHUB_TOKEN} inside Actions, or a fine-grained personal token). */
final class TokenAuth implements GitHubAuth {
    private final GitHubApi api;
    private final Secret token;

    TokenAuth(GitHubApi api, Secret token) {
        this.api = api;
        this.token = token;
    }

    @Override
    public String authorization(Repo repo) {
        return "Bearer " + token.reveal();
    }

    @Override
    public String describe(Optional<Repo> repo) {
        return "the configured token (github.token)";
    }

    @Override
    public void forget(Repo repo) {
        // nothing cached: the token is what it is
    }

    @Override
    public String discoverLogin() {
        GitHubResponse r = api.send("GET", "/user", null, true, () -> "Bearer " + token.reveal(), describe(Optional.empty()));
        if (r.status() == 403) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot learn whose comments are ours: GitHub answered 403 to GET /user with the configured token"
                    + " (it does for GITHUB_TOKEN inside Actions); set github.bot-login, e.g. bot-login: github-actions[bot]");
        }
        if (!r.ok()) {
            throw api.failure("GET", r, describe(Optional.empty()));
        }
        String login = r.json(api.mapper()).path("login").asText("");
        if (login.isBlank()) {
            throw EphemeraException.backend("GitHub's GET /user answer has no login; set github.bot-login", null);
        }
        return login;
    }

    @Override
    public void selfCheck() {
        if (token.isEmpty()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "github.token is empty");
        }
    }

    @Override
    public String probe() {
        selfCheck();
        GitHubResponse r = api.once("GET", "/rate_limit", "Bearer " + token.reveal());
        if (!r.ok()) {
            throw api.failure("GET", r, describe(Optional.empty()));
        }
        return "GET /rate_limit";
    }
}
