package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticates as a GitHub App: an RS256 JWT for the App's own endpoints, and for repository
 * calls an installation token, found per repository ({@code GET /repos/{owner}/{repo}/installation})
 * unless an installation id is configured, cached, and replaced five minutes before its
 * {@code expires_at}. Tokens are treated as opaque strings of any length.
 */
final class AppAuth implements GitHubAuth {
    static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);

    private final GitHubApi api;
    private final String issuer;
    private final Optional<Long> configuredInstallation;
    private final AppJwt jwt;
    private final Clock clock;
    private final Map<String, Long> installationByRepo = new ConcurrentHashMap<>();
    private final Map<Long, InstallationToken> tokens = new ConcurrentHashMap<>();

    private record InstallationToken(String token, Instant expiresAt) {
    }

    AppAuth(GitHubApi api, String issuer, RSAPrivateKey key, Optional<Long> installation, Clock clock) {
        this.api = api;
        this.issuer = issuer;
        this.configuredInstallation = installation;
        this.clock = clock;
        this.jwt = new AppJwt(issuer, key, clock);
    }

    /** The App's own JWT, as a header value. */
    String appAuthorization() {
        return "Bearer " + jwt.token();
    }

    @Override
    public String authorization(Repo repo) {
        return "Bearer " + installationToken(installationFor(repo));
    }

    @Override
    public String describe(Optional<Repo> repo) {
        String inst = configuredInstallation.map(String::valueOf)
                .or(() -> repo.map(r -> installationByRepo.get(r.key())).map(String::valueOf))
                .map(id -> "installation " + id)
                .orElse(repo.map(r -> "installation of " + r + " not yet known").orElse("no installation"));
        return "GitHub App " + issuer + " (" + inst + ")";
    }

    @Override
    public void forget(Repo repo) {
        Long id = configuredInstallation.orElseGet(() -> installationByRepo.remove(repo.key()));
        if (id != null) {
            tokens.remove(id);
        }
        jwt.forget();
    }

    @Override
    public String discoverLogin() {
        GitHubResponse r = api.sendOk("GET", "/app", null, true, this::appAuthorization, describe(Optional.empty()));
        String slug = r.json(api.mapper()).path("slug").asText("");
        if (slug.isBlank()) {
            throw EphemeraException.backend("GitHub's GET /app answer has no slug; set github.bot-login to the App's bot login (SLUG[bot])", null);
        }
        return slug + "[bot]";
    }

    @Override
    public void selfCheck() {
        jwt.token();
    }

    @Override
    public String probe() {
        GitHubResponse r = api.once("GET", "/app", appAuthorization());
        if (!r.ok()) {
            throw api.failure("GET", r, describe(Optional.empty()));
        }
        return "GET /app";
    }

    long installationFor(Repo repo) {
        if (configuredInstallation.isPresent()) {
            return configuredInstallation.get();
        }
        Long known = installationByRepo.get(repo.key());
        if (known != null) {
            return known;
        }
        GitHubResponse r = api.send("GET", repo.path() + "/installation", null, true, this::appAuthorization, describe(Optional.of(repo)));
        if (r.status() == 404) {
            throw EphemeraException.notFound("GitHub App " + issuer + " is not installed on " + repo
                    + " (GET " + repo.path() + "/installation answered 404): install the App on the repository, or set github.installation-id");
        }
        if (!r.ok()) {
            throw api.failure("GET", r, describe(Optional.of(repo)));
        }
        long id = r.json(api.mapper()).path("id").asLong(0);
        if (id <= 0) {
            throw EphemeraException.backend("GitHub's answer to GET " + repo.path() + "/installation has no installation id", null);
        }
        installationByRepo.put(repo.key(), id);
        return id;
    }

    private String installationToken(long installation) {
        InstallationToken t = tokens.get(installation);
        if (fresh(t)) {
            return t.token();
        }
        synchronized (this) {
            t = tokens.get(installation);
            if (fresh(t)) {
                return t.token();
            }
            String who = "GitHub App " + issuer + " (installation " + installation + ")";
            GitHubResponse r = api.send("POST", "/app/installations/" + installation + "/access_tokens", null, true, this::appAuthorization, who);
            if (r.status() == 401) {
                jwt.forget();
                throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "GitHub refused the JWT of " + who + " with 401 (" + r.message(api.mapper())
                        + ") when asked for an installation token: check github.app-id (or client-id) is the App the private key belongs to,"
                        + " the key was not revoked, and this host's clock is right");
            }
            if (r.status() == 404) {
                throw EphemeraException.notFound("GitHub has no installation " + installation + " of App " + issuer
                        + " (404): check github.installation-id, or leave it out to look the installation up per repository");
            }
            if (!r.ok()) {
                throw api.failure("POST", r, who);
            }
            JsonNode body = r.json(api.mapper());
            String token = body.path("token").asText("");
            if (token.isEmpty()) {
                throw EphemeraException.backend("GitHub's installation token answer for " + who + " has no token", null);
            }
            Instant expires;
            try {
                expires = Instant.parse(body.path("expires_at").asText(""));
            } catch (DateTimeParseException e) {
                // Without a readable expiry, assume the documented hour but renew early.
                expires = clock.instant().plus(Duration.ofMinutes(30));
            }
            tokens.put(installation, new InstallationToken(token, expires));
            return token;
        }
    }

    private boolean fresh(InstallationToken t) {
        return t != null && clock.instant().isBefore(t.expiresAt().minus(REFRESH_BEFORE));
    }

    @Override
    public String toString() {
        return describe(Optional.empty());
    }
}
