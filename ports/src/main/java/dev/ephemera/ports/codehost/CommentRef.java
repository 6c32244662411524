package dev.ephemera.ports.codehost;

/** The comment an upsert left: its id, where to see it, and whether it was new. */
public record CommentRef(long id, String url, boolean created) {
}
