package dev.ephemera.adapters.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.retry.BoundedBody;
import dev.ephemera.retry.Retrier;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.ServerWait;
import dev.ephemera.retry.Sleeper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends requests to the GitHub REST API and retries, under the shared {@link RetryPolicy}, what
 * GitHub says may be retried: rate limits (primary: {@code x-ratelimit-remaining: 0} until
 * {@code x-ratelimit-reset}; secondary: {@code retry-after}, else at least a minute, then
 * doubling), 5xx and connection failures of idempotent calls. Every retry is bounded by attempts
 * and by the longest acceptable wait, and jittered. A 401 or a permission 403 is never retried.
 * Answers are read with a size limit ({@link BoundedBody#DEFAULT_LIMIT}).
 */
final class GitHubApi {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubApi.class);
    static final String API_VERSION = "2022-11-28";
    static final String USER_AGENT = "ephemera-github-adapter";
    private static final int MAX_REDIRECTS = 3;

    private final URI base;
    private final HttpClient http;
    private final ObjectMapper mapper;
    /** Wait after a secondary rate limit that names no {@code retry-after} (GitHub: "at least one minute"), doubled on each repeat. */
    static final Duration SECONDARY_FLOOR = Duration.ofSeconds(60);

    private final RetryPolicy retry;
    private final Duration requestTimeout;
    private final Clock clock;
    private final Sleeper sleeper;
    private final int maxResponseBytes;

    GitHubApi(URI base, HttpClient http, ObjectMapper mapper, RetryPolicy retry, Duration requestTimeout, Clock clock, Sleeper sleeper,
              int maxResponseBytes) {
        this.base = base;
        this.http = http;
        this.mapper = mapper;
        this.retry = retry;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.sleeper = sleeper;
        this.maxResponseBytes = maxResponseBytes;
    }

    /**
     * The shared policy with the settings' bounds: {@code github.retry-attempts} attempts, backoff
     * from 0.5 s doubling up to 30 s, rate-limit waits up to {@code github.retry-max-wait}.
     */
    static RetryPolicy policy(GitHubSettings s) {
        return new RetryPolicy(s.retryAttempts(), Duration.ofMillis(500), Duration.ofSeconds(30), s.retryMaxWait());
    }

    static HttpClient newHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    ObjectMapper mapper() {
        return mapper;
    }

    URI base() {
        return base;
    }

    Clock clock() {
        return clock;
    }

    /**
     * One logical call.
     *
     * @param method        HTTP method
     * @param target        a path under the API root ({@code /repos/...}) or an absolute URL GitHub gave us (a {@code Link})
     * @param body          a JSON-serialisable body, or null
     * @param idempotent    whether a 5xx or a lost answer may be retried blindly
     * @param authorization the {@code Authorization} value, asked again for every attempt
     * @param who           who we are, for error messages (e.g. "GitHub App 123, installation 456")
     * @return the final answer, successful or not; rate limits that outlast the bounds throw
     */
    GitHubResponse send(String method, String target, Object body, boolean idempotent, Supplier<String> authorization, String who) {
        URI[] uri = {resolve(target)};
        byte[] payload = body == null ? null : json(body);
        int[] secondaryHits = {0};
        Retrier<GitHubResponse> retrier = Retrier.<GitHubResponse>builder("github", retry)
                .retryOnResult(r -> rateLimitWait(r, secondaryHits[0]).isPresent() || (r.status() >= 500 && idempotent))
                .retryOnError(e -> idempotent && e instanceof IOException)
                .serverWait(r -> {
                    Optional<Duration> w = rateLimitWait(r, secondaryHits[0]);
                    if (w.isPresent() && isSecondary(r)) {
                        secondaryHits[0]++;
                    }
                    w.filter(d -> d.compareTo(retry.maxServerWait()) <= 0)
                            .ifPresent(d -> LOG.info("github retry method={} path={} reason=rate limited ({}) waitMs={}", method,
                                    uri[0].getPath(), r.status(), d.toMillis()));
                    return w;
                })
                .sleeper(sleeper)
                .build();
        Retrier.Outcome<GitHubResponse> outcome;
        try {
            outcome = retrier.run(attempt -> {
                if (attempt > 1) {
                    LOG.debug("github attempt method={} path={} attempt={}", method, uri[0].getPath(), attempt);
                }
                return followingRedirects(method, uri, payload, authorization.get());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while waiting to retry GitHub " + method + " " + uri[0].getPath(), e);
        }
        int attempts = outcome.attempts();
        if (outcome.error().isPresent()) {
            Exception e = outcome.error().get();
            if (e instanceof EphemeraException ee) {
                throw ee;
            }
            throw EphemeraException.unavailable("GitHub at " + base + " could not be reached for " + method + " " + uri[0].getPath()
                    + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + ") after " + attempts + " attempt" + (attempts > 1 ? "s" : "") + "; check github.api-url and the network", e);
        }
        GitHubResponse r = outcome.value().orElseThrow();
        if (!r.ok()) {
            Optional<Duration> rateWait = outcome.refusedWait().or(() -> rateLimitWait(r, secondaryHits[0]));
            if (rateWait.isPresent()) {
                Duration wait = rateWait.get();
                boolean tooLong = wait.compareTo(retry.maxServerWait()) > 0;
                throw new EphemeraException(ErrorCode.RATE_LIMITED, "GitHub's " + (isSecondary(r) ? "secondary" : "primary")
                        + " rate limit stopped " + method + " " + uri[0].getPath() + " as " + who + " (" + r.message(mapper) + ")"
                        + (tooLong
                            ? "; it lifts in " + human(wait) + ", longer than github.retry-max-wait " + human(retry.maxServerWait())
                            : " after " + attempts + " attempt" + (attempts > 1 ? "s" : ""))
                        + ": try again later, or spread the calls out");
            }
        }
        return r;
    }

    /** One attempt: the exchange, following GitHub's redirects of renamed repositories on the same host only. */
    private GitHubResponse followingRedirects(String method, URI[] uri, byte[] payload, String authorization) throws IOException {
        GitHubResponse r = exchange(method, uri[0], payload, authorization);
        for (int redirects = 0; isRedirect(r.status()) && redirects < MAX_REDIRECTS; redirects++) {
            URI from = uri[0];
            Optional<URI> next = r.header("location").map(from::resolve).filter(this::sameOrigin);
            if (next.isEmpty() || !(r.status() == 307 || r.status() == 308 || method.equals("GET"))) {
                return r;
            }
            uri[0] = next.get();
            r = exchange(method, uri[0], payload, authorization);
        }
        return r;
    }

    /** One exchange, never retried and no redirect followed: for health checks, which must be quick. */
    GitHubResponse once(String method, String target, String authorization) {
        URI uri = resolve(target);
        try {
            return exchange(method, uri, null, authorization);
        } catch (IOException e) {
            throw EphemeraException.unavailable("GitHub at " + base + " could not be reached for " + method + " " + uri.getPath() + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); check github.api-url and the network", e);
        }
    }

    /** Like {@link #send}, but turns any unsuccessful answer into the matching {@link EphemeraException}. */
    GitHubResponse sendOk(String method, String target, Object body, boolean idempotent, Supplier<String> authorization, String who) {
        GitHubResponse r = send(method, target, body, idempotent, authorization, who);
        if (!r.ok()) {
            throw failure(method, r, who);
        }
        return r;
    }

    /** The exception for an unsuccessful answer: what GitHub said, as whom, and what to do. */
    EphemeraException failure(String method, GitHubResponse r, String who) {
        String path = r.uri().getPath();
        String said = "GitHub answered " + r.status() + " (" + r.message(mapper) + ") to " + method + " " + path + " as " + who;
        return switch (r.status()) {
            case 401 -> new EphemeraException(ErrorCode.UNAUTHENTICATED, said
                    + ": the credentials were refused; check github.app-id/client-id and github.private-key belong together and the key was not revoked"
                    + ", or that github.token is valid and unexpired");
            case 403 -> new EphemeraException(ErrorCode.PERMISSION_DENIED, said + ": the credentials lack a permission"
                    + permissionHint(method, path) + r.header("x-accepted-github-permissions").map(p -> " (GitHub accepts: " + p + ")").orElse(""));
            case 404 -> EphemeraException.notFound(said + ": the repository, pull request or environment does not exist, "
                    + "or these credentials cannot see it (is the App installed on the repository?)");
            case 409 -> EphemeraException.conflict(said);
            case 400, 422 -> EphemeraException.invalid(said);
            default -> r.status() >= 500
                    ? EphemeraException.unavailable(said + ": GitHub is having trouble; try again later", null)
                    : EphemeraException.backend(said, null);
        };
    }

    private static String permissionHint(String method, String path) {
        if (path.contains("/environments/") && path.contains("/secrets")) {
            return "; the App needs the repository permissions Secrets (read and write) and Environments (read and write)";
        }
        if (path.contains("/actions/secrets")) {
            return "; the App needs the repository permission Secrets (read and write)";
        }
        if (path.contains("/environments/")) {
            return "; creating an environment needs the repository permission Administration (write), or create it by hand and keep github.create-environments false";
        }
        if (path.contains("/comments")) {
            return "; the App needs the repository permission Pull requests (write) or Issues (write)";
        }
        if (path.contains("/statuses/")) {
            return "; the App needs the repository permission Commit statuses (write)";
        }
        return "";
    }

    private GitHubResponse exchange(String method, URI uri, byte[] payload, String authorization) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
                .header("User-Agent", USER_AGENT);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (payload != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            LOG.debug("github call method={} path={} status={}", method, uri.getPath(), resp.statusCode());
            byte[] bytes = BoundedBody.read(resp.body(), maxResponseBytes, "GitHub's answer to " + method + " " + uri.getPath(),
                    "check github.api-url (a proxy or another service may be answering)");
            return new GitHubResponse(resp.statusCode(), resp.headers(), new String(bytes, StandardCharsets.UTF_8), uri);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while calling GitHub " + method + " " + uri.getPath(), e);
        }
    }

    /** How long GitHub asks us to wait, if this answer is a rate limit at all. */
    private Optional<Duration> rateLimitWait(GitHubResponse r, int secondaryHits) {
        if (r.status() != 403 && r.status() != 429) {
            return Optional.empty();
        }
        Optional<Duration> retryAfter = r.header("retry-after").flatMap(v -> ServerWait.retryAfter(v, clock.instant()));
        if (retryAfter.isPresent()) {
            return retryAfter;
        }
        if ("0".equals(r.header("x-ratelimit-remaining").map(String::trim).orElse(null))) {
            Optional<Duration> reset = r.header("x-ratelimit-reset").flatMap(v -> ServerWait.untilEpochSecond(v, clock.instant()));
            if (reset.isPresent()) {
                return reset;
            }
            return Optional.of(SECONDARY_FLOOR);
        }
        if (r.status() == 429 || isSecondary(r)) {
            // No header says how long: at least a minute, doubling on each repeat (GitHub's guidance).
            return Optional.of(SECONDARY_FLOOR.multipliedBy(1L << Math.min(secondaryHits, 10)));
        }
        return Optional.empty(); // a 403 that is about permissions, not pace
    }

    private boolean isSecondary(GitHubResponse r) {
        if (r.header("retry-after").isPresent() && !"0".equals(r.header("x-ratelimit-remaining").orElse(null))) {
            return true;
        }
        String m = r.message(mapper).toLowerCase(Locale.ROOT);
        return m.contains("secondary rate limit") || m.contains("abuse detection");
    }

    private URI resolve(String target) {
        if (target.startsWith("http://") || target.startsWith("https://")) {
            URI u = URI.create(target);
            if (!sameOrigin(u)) {
                // Credentials go with every request: never to a host other than the configured API.
                throw EphemeraException.backend("GitHub pointed at " + u.getScheme() + "://" + u.getAuthority()
                        + ", which is not the configured github.api-url " + base + "; refusing to send credentials there", null);
            }
            return u;
        }
        return URI.create(base.toString() + target);
    }

    private boolean sameOrigin(URI u) {
        return u.getScheme() != null && u.getScheme().equalsIgnoreCase(base.getScheme())
                && u.getHost() != null && u.getHost().equalsIgnoreCase(base.getHost()) && port(u) == port(base);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 307 || status == 308;
    }

    private byte[] json(Object body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "cannot write a GitHub request body: " + e.getOriginalMessage(), e);
        }
    }

    /** A duration as configured ({@code 100ms}, {@code 5m}, {@code 1h2m}): the one format of {@link DurationText}. */
    static String human(Duration d) {
        return DurationText.format(d.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }
}
