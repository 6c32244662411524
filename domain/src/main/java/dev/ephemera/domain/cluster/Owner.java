package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Who a cluster is for: a repository {@code org/name} and, optionally, a pull request number. */
public record Owner(String repository, Optional<Integer> pullRequest) {
    private static final Pattern TEXT = Pattern.compile("([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:#([0-9]{1,9}))?");

    public Owner {
        if (repository == null || !TEXT.matcher(repository).matches() || repository.contains("#")) {
            throw EphemeraException.invalid("owner repository '" + repository + "' is invalid: write OWNER/REPO");
        }
        if (pullRequest == null) {
            pullRequest = Optional.empty();
        }
        if (pullRequest.isPresent() && pullRequest.get() <= 0) {
            throw EphemeraException.invalid("pull request number must be positive, got " + pullRequest.get());
        }
    }

    /** Parses {@code OWNER/REPO} or {@code OWNER/REPO#PR}. */
    public static Owner parse(String text) {
        Matcher m = text == null ? null : TEXT.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw EphemeraException.invalid("owner '" + text + "' is invalid: write OWNER/REPO or OWNER/REPO#PR, e.g. acme/shop#42");
        }
        return new Owner(m.group(1), Optional.ofNullable(m.group(2)).map(Integer::valueOf));
    }

    @Override
    public String toString() {
        return repository + pullRequest.map(n -> "#" + n).orElse("");
    }
}
