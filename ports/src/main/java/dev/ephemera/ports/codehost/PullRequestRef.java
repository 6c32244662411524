package dev.ephemera.ports.codehost;

import dev.ephemera.domain.error.EphemeraException;

/** One pull request: {@code OWNER/REPO} and its number. */
public record PullRequestRef(String repository, int number) {
    public PullRequestRef {
        if (repository == null || !repository.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
            throw EphemeraException.invalid("repository '" + repository + "' is invalid: write OWNER/REPO");
        }
        if (number <= 0) {
            throw EphemeraException.invalid("pull request number must be positive, got " + number);
        }
    }
}
