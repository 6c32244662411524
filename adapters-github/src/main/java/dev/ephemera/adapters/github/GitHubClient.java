package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.retry.BoundedBody;
import dev.ephemera.retry.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The API plus the credentials: what the secret sink and the code host share. Calls about a
 * repository are authorised for it; a 401 drops the cached credential (so the next call starts
 * afresh) and fails at once, naming the App and installation.
 */
final class GitHubClient {
    private final GitHubSettings settings;
    private final GitHubApi api;
    private final GitHubAuth auth;
    private volatile String login;

    GitHubClient(GitHubSettings settings, GitHubApi api, GitHubAuth auth) {
        this.settings = settings;
        this.api = api;
        this.auth = auth;
        this.login = settings.botLogin().orElse(null);
    }

    /** Builds the client the factories use: real clock, real waits. */
    static GitHubClient create(GitHubSettings s, String path) {
        return create(s, path, Clock.systemUTC(), Sleeper.SYSTEM);
    }

    static GitHubClient create(GitHubSettings s, String path, Clock clock, Sleeper sleeper) {
        s.requireApiCredentials(path);
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        GitHubApi api = new GitHubApi(s.apiUrl(), GitHubApi.newHttpClient(Duration.ofSeconds(10)), mapper, GitHubApi.policy(s),
                s.requestTimeout(), clock, sleeper, BoundedBody.DEFAULT_LIMIT);
        GitHubAuth auth = s.appAuth()
                ? new AppAuth(api, s.issuer(), PemKeys.rsaPrivateKey(s.privateKey().orElseThrow(), path + ".private-key"), s.installationId(), clock)
                : new TokenAuth(api, s.token().orElseThrow());
        auth.selfCheck();
        return new GitHubClient(s, api, auth);
    }

    GitHubSettings settings() {
        return settings;
    }

    GitHubApi api() {
        return api;
    }

    GitHubAuth auth() {
        return auth;
    }

    ObjectMapper mapper() {
        return api.mapper();
    }

    /** A call about {@code repo}; returns any answer (callers decide about 404s), throws on rate limits and 401. */
    GitHubResponse call(Repo repo, String method, String target, Object body, boolean idempotent) {
        String who = auth.describe(Optional.of(repo));
        GitHubResponse r = api.send(method, target, body, idempotent, () -> auth.authorization(repo), who);
        if (r.status() == 401) {
            EphemeraException e = api.failure(method, r, auth.describe(Optional.of(repo)));
            auth.forget(repo);
            throw e;
        }
        return r;
    }

    /** A call about {@code repo} that must succeed. */
    GitHubResponse callOk(Repo repo, String method, String target, Object body, boolean idempotent) {
        GitHubResponse r = call(repo, method, target, body, idempotent);
        if (!r.ok()) {
            throw api.failure(method, r, auth.describe(Optional.of(repo)));
        }
        return r;
    }

    /** The login whose comments are ours: configured, or discovered once. */
    String login() {
        String l = login;
        if (l == null) {
            synchronized (this) {
                if (login == null) {
                    login = auth.discoverLogin();
                }
                l = login;
            }
        }
        return l;
    }

    String describe() {
        return auth.describe(Optional.empty()) + " at " + settings.apiUrl();
    }

    static EphemeraException configuration(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
