package dev.ephemera.domain.cluster;

import java.time.Instant;

/** Something that happened to a cluster; the timeline is what the report and `cluster get` show. */
public record TimelineEvent(Instant at, Phase phase, String message) {
}
