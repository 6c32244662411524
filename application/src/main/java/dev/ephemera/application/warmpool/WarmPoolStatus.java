package dev.ephemera.application.warmpool;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A warm pool as {@code ephemera warm-pool show} and {@code GET /v1/warm-pools/{name}} show it.
 * Plain values only, like {@link dev.ephemera.application.ClusterView}.
 *
 * @param ready        unclaimed members Ready and awake: a claim gets one of these at once
 * @param hibernated   unclaimed members Ready but stopped: a claim resumes one
 * @param provisioning unclaimed members coming up
 * @param claimed      live members a claim took (they count against {@code maxSize} until deleted)
 * @param refill       why the last refill could not make every member it wanted, if it could not
 */
public record WarmPoolStatus(String name, String backend, Optional<String> size, Optional<String> location,
                             Optional<String> kubernetesVersion, int wanted, int maxSize, int maxConcurrent, String claimLifetime,
                             String claimLifetimeMaximum, Optional<String> hibernateAfter, String resumeTimeout, String whenEmpty,
                             int ready, int hibernated, int provisioning, int claimed, Optional<String> refill, List<Member> members) {
    public WarmPoolStatus {
        members = List.copyOf(members);
    }

    /** One member: its cluster id, phase, whether it sleeps, and the claim that took it. */
    public record Member(String id, String phase, boolean hibernated, Optional<String> claimedAs, Optional<Instant> readyAt) {
    }
}
