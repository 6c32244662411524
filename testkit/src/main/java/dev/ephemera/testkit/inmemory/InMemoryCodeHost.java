package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.ports.spi.Health;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link CodeHost} in memory: comments per pull request (upserted by marker, as the port
 * promises), every status set, and a check that no two writes to one pull request overlap.
 */
public final class InMemoryCodeHost implements CodeHost {
    /** A status as set. */
    public record Status(String repository, String sha, CommitState state, String context, String description) {
    }

    private final Map<PullRequestRef, List<String>> comments = new LinkedHashMap<>();
    private final List<Status> statuses = new ArrayList<>();
    private final Map<PullRequestRef, AtomicInteger> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger commentWrites = new AtomicInteger();

    /** The marker rule and hidden line of the port's GitHub adapter, so a marker this double takes GitHub takes too. */
    private static final java.util.regex.Pattern MARKER = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}");

    @Override
    public CommentRef upsertComment(PullRequestRef pr, String marker, String body) {
        if (marker == null || !MARKER.matcher(marker).matches()) {
            throw dev.ephemera.domain.error.EphemeraException.invalid("comment marker '" + marker
                    + "' is invalid: 1 to 100 letters, digits or . _ : / -, e.g. ephemera-cluster");
        }
        String tag = "<!-- ephemera:" + marker + " -->";
        String full = body.startsWith(tag) ? body : tag + "\n" + body;
        AtomicInteger n = inFlight.computeIfAbsent(pr, k -> new AtomicInteger());
        if (n.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        try {
            commentWrites.incrementAndGet();
            synchronized (this) {
                List<String> list = comments.computeIfAbsent(pr, k -> new ArrayList<>());
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i).startsWith(tag)) {
                        list.set(i, full);
                        return new CommentRef(i + 1, "memory://" + pr.repository() + "/pull/" + pr.number() + "#" + (i + 1), false);
                    }
                }
                list.add(full);
                return new CommentRef(list.size(), "memory://" + pr.repository() + "/pull/" + pr.number() + "#" + list.size(), true);
            }
        } finally {
            n.decrementAndGet();
        }
    }

    @Override
    public synchronized void setStatus(String repository, String sha, CommitState state, String context, String description, Optional<String> targetUrl) {
        statuses.add(new Status(repository, sha, state, context, description));
    }

    public synchronized List<String> comments(PullRequestRef pr) {
        return List.copyOf(comments.getOrDefault(pr, List.of()));
    }

    public synchronized List<Status> statuses() {
        return List.copyOf(statuses);
    }

    /** The last status set on {@code sha} for {@code context}. */
    public synchronized Optional<Status> lastStatus(String sha, String context) {
        for (int i = statuses.size() - 1; i >= 0; i--) {
            if (statuses.get(i).sha().equals(sha) && statuses.get(i).context().equals(context)) {
                return Optional.of(statuses.get(i));
            }
        }
        return Optional.empty();
    }

    public int commentWrites() {
        return commentWrites.get();
    }

    /** How many times two writes to one pull request overlapped (should be 0). */
    public int overlaps() {
        return overlaps.get();
    }

    @Override
    public Health health() {
        return Health.up("in-memory code host");
    }
}
