package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.ports.spi.Health;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull request comments and commit statuses. A comment is found again by a hidden marker
 * ({@code <!-- ephemera:MARKER -->}) among our own comments only, across every page, and edited
 * in place; upserts for one pull request are serialised in this process, so two at once do not
 * both create.
 */
final class GitHubCodeHost implements CodeHost {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubCodeHost.class);
    private static final Pattern MARKER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}");
    private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{40}|[0-9a-fA-F]{64}");
    /** GitHub refuses comment bodies longer than this. */
    static final int MAX_COMMENT_CHARS = 65_536;
    private static final int MAX_DESCRIPTION = 140;
    private static final int MAX_PAGES = 1_000;

    private final GitHubClient client;
    // Striped locks: one pull request always maps to the same lock, and the number stays bounded.
    private final ReentrantLock[] locks = new ReentrantLock[64];

    GitHubCodeHost(GitHubClient client) {
        this.client = client;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The hidden line that marks our comment for {@code marker}. */
    static String markerLine(String marker) {
        return "<!-- ephemera:" + marker + " -->";
    }

    @Override
    public CommentRef upsertComment(PullRequestRef pr, String marker, String body) {
        if (marker == null || !MARKER.matcher(marker).matches()) {
            throw EphemeraException.invalid("comment marker '" + marker + "' is invalid: 1 to 100 letters, digits or . _ : / -, e.g. ephemera-cluster");
        }
        if (body == null) {
            throw EphemeraException.invalid("a comment needs a body");
        }
        Repo repo = Repo.parse(pr.repository());
        String tag = markerLine(marker);
        String full = body.startsWith(tag) ? body : tag + "\n" + body;
        if (full.length() > MAX_COMMENT_CHARS) {
            throw EphemeraException.invalid("the comment is " + full.length() + " characters; GitHub takes at most " + MAX_COMMENT_CHARS);
        }
        ReentrantLock lock = locks[Math.floorMod((repo.key() + "#" + pr.number()).hashCode(), locks.length)];
        lock.lock();
        try {
            String me = client.login();
            Optional<JsonNode> ours = find(repo, pr.number(), tag, me);
            if (ours.isPresent()) {
                return update(repo, ours.get(), full, false);
            }
            try {
                return create(repo, pr.number(), full);
            } catch (EphemeraException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                // The create may have landed with its answer lost: look before creating again.
                Optional<JsonNode> landed = find(repo, pr.number(), tag, me);
                if (landed.isPresent()) {
                    return update(repo, landed.get(), full, true);
                }
                return create(repo, pr.number(), full);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setStatus(String repository, String sha, CommitState state, String context, String description, Optional<String> targetUrl) {
        Repo repo = Repo.parse(repository);
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw EphemeraException.invalid("commit '" + sha + "' is not a full commit SHA (40 or 64 hex digits)");
        }
        if (state == null) {
            throw EphemeraException.invalid("a commit status needs a state");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", state.name().toLowerCase(Locale.ROOT));
        body.put("context", context == null || context.isBlank() ? "ephemera" : context);
        if (description != null && !description.isBlank()) {
            body.put("description", description.length() > MAX_DESCRIPTION ? description.substring(0, MAX_DESCRIPTION - 1) + "…" : description);
        }
        targetUrl.filter(u -> !u.isBlank()).ifPresent(u -> {
            if (!u.startsWith("https://") && !u.startsWith("http://")) {
                throw EphemeraException.invalid("status target URL '" + u + "' must be an http(s) URL");
            }
            body.put("target_url", u);
        });
        // Posting the same status twice only adds an identical entry, so retrying is safe.
        client.callOk(repo, "POST", repo.path() + "/statuses/" + sha.toLowerCase(Locale.ROOT), body, true);
        LOG.info("github status set repo={} sha={} state={} context={}", repo, sha, body.get("state"), body.get("context"));
    }

    @Override
    public Health health() {
        try {
            String call = client.auth().probe();
            return Health.up("pull request comments and statuses as " + client.describe() + " (" + call + " answered)");
        } catch (RuntimeException e) {
            return Health.down(e.getMessage());
        }
    }

    private Optional<JsonNode> find(Repo repo, int number, String tag, String me) {
        String next = repo.path() + "/issues/" + number + "/comments?per_page=100";
        Set<String> seen = new HashSet<>();
        for (int page = 0; page < MAX_PAGES; page++) {
            if (!seen.add(next)) {
                throw EphemeraException.backend("GitHub's Link header for the comments of " + repo + "#" + number + " loops back to " + next, null);
            }
            GitHubResponse r = client.callOk(repo, "GET", next, null, true);
            JsonNode comments = r.json(client.mapper());
            if (!comments.isArray()) {
                throw EphemeraException.backend("GitHub's list of comments on " + repo + "#" + number + " is not a JSON array", null);
            }
            for (JsonNode c : comments) {
                if (me.equalsIgnoreCase(c.path("user").path("login").asText("")) && c.path("body").asText("").contains(tag)) {
                    return Optional.of(c);
                }
            }
            // GitHub's Link points at /repositories/{id}/... URLs: follow them as given.
            Optional<String> link = LinkHeader.find(r.header("link").orElse(null), "next");
            if (link.isEmpty()) {
                return Optional.empty();
            }
            next = link.get();
        }
        throw EphemeraException.backend(repo + "#" + number + " has more than " + MAX_PAGES + " pages of comments; not searching further", null);
    }

    private CommentRef create(Repo repo, int number, String body) {
        GitHubResponse r = client.callOk(repo, "POST", repo.path() + "/issues/" + number + "/comments", Map.of("body", body), false);
        JsonNode c = r.json(client.mapper());
        LOG.info("github comment created repo={} number={} id={}", repo, number, c.path("id").asLong());
        return new CommentRef(c.path("id").asLong(), c.path("html_url").asText(""), true);
    }

    private CommentRef update(Repo repo, JsonNode existing, String body, boolean created) {
        long id = existing.path("id").asLong();
        if (body.equals(existing.path("body").asText(null))) {
            return new CommentRef(id, existing.path("html_url").asText(""), created);
        }
        GitHubResponse r = client.callOk(repo, "PATCH", repo.path() + "/issues/comments/" + id, Map.of("body", body), true);
        LOG.info("github comment updated repo={} id={}", repo, id);
        return new CommentRef(id, r.json(client.mapper()).path("html_url").asText(existing.path("html_url").asText("")), created);
    }
}
