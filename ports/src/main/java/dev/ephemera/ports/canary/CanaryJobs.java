package dev.ephemera.ports.canary;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.ports.spi.Adapter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Kubernetes side of canary verification: {@code E2ESpec}s and their test Jobs. Reads come
 * from a cache kept current by one watch per kind, so answering a webhook from a finished Job
 * costs no API call; only {@link #create} and {@link #logTail} talk to the API server.
 */
public interface CanaryJobs extends Adapter {
    /** Label every test Job carries; the cache selects Jobs on it. */
    String MANAGED_BY = "ephemera.dev/managed-by";
    /** Seed 001's label, added in drop-in mode so {@code kubectl get jobs -l remarkable.com/managed-by=e2e-verifier} keeps working. */
    String SEED_MANAGED_BY = "remarkable.com/managed-by";
    /** The value of both managed-by labels. */
    String MANAGER = "e2e-verifier";

    /** Completes once the cache holds a full list of specs and Jobs; answers before that would be guesses. */
    CompletionStage<Void> synced();

    /**
     * Whether Jobs also carry seed 001's {@link #SEED_MANAGED_BY} label (and the cache selects on it,
     * so Jobs the seed's verifier made are seen too).
     */
    boolean dropIn();

    /**
     * The canary's spec from the cache.
     *
     * @throws dev.ephemera.domain.error.EphemeraException INVALID if the stored spec breaks a rule
     *         (the message names the spec and the field); UNAVAILABLE before {@link #synced()}
     */
    Optional<E2ESpec> spec(String namespace, String name);

    /** The Job from the cache. @throws dev.ephemera.domain.error.EphemeraException UNAVAILABLE before {@link #synced()} */
    Optional<CanaryJob> job(String namespace, String name);

    /**
     * Creates the Job. Idempotent: when a Job of that name already exists (another replica, a
     * racing webhook) the existing Job is returned, so many callers end with one Job.
     * Fails with CONFLICT if a Job of that name exists that is not a managed test Job.
     */
    CompletionStage<CanaryJob> create(JobRequest request);

    /**
     * Completes with the Job once it has ended (succeeded, failed, or was deleted — then
     * {@link JobPhase#FAILED} with reason {@link CanaryJob#DELETED}). Woken by the watch, never by
     * polling. Cancelling the returned future stops this wait and nothing else; the Job runs on.
     */
    CompletableFuture<CanaryJob> awaitEnd(String namespace, String name);

    /**
     * The last {@code lines} lines of the log of the Job's most recent failed pod (or its latest
     * pod when none failed). Empty when there is no pod left. One API call per pod.
     */
    CompletionStage<List<String>> logTail(String namespace, String name, int lines);
}
