package dev.ephemera.api;

import dev.ephemera.domain.secret.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Ephemera for Java programs and test suites: claim a cluster, get it Ready, use it, let it go.
 *
 * <pre>{@code
 * try (EphemeralCluster c = Ephemera.local().claim(ClusterRequest.builder().id("it-1").backend("docker").ttl("1h").build())) {
 *     KubernetesClient k = c.kubernetesClient();
 *     ...
 * }   // deleted here, and waited for
 * }</pre>
 *
 * <p>Two ways to run it:
 * <ul>
 *   <li>{@link #local()}: embedded, in this JVM, exactly as the CLI runs — the configuration file
 *       found as the CLI finds it (or the embedded defaults: SQLite state, the {@code docker}
 *       backend), the adapters found through ServiceLoader, and the claim stepped to Ready here.</li>
 *   <li>{@link #remote(URI, String)}: client mode — the claim, the wait and the deletion are requests
 *       to an {@code ephemera server}'s REST API ({@code /v1/clusters}); no cloud credentials, no
 *       database here.</li>
 * </ul>
 *
 * <p>Not to be confused with {@code dev.ephemera.bootstrap.Ephemera}, the assembly of adapters
 * that the CLI, the server and {@link #local()} start internally.
 *
 * <p>Closing an {@code Ephemera} closes every cluster it handed out that is still open. An embedded
 * {@code Ephemera} keeps its adapters (database, Docker client) open only while it has an open
 * cluster, so the one-line form above leaves nothing running behind.
 */
public interface Ephemera extends AutoCloseable {
    /** Embedded, with the configuration found as the CLI finds it ({@code $EPHEMERA_CONFIG}, {@code ./ephemera.yaml}, …, else the defaults). */
    static Ephemera local() {
        return new LocalEphemera(Optional.empty());
    }

    /** Embedded, with this configuration file. */
    static Ephemera local(Path configFile) {
        return new LocalEphemera(Optional.of(configFile));
    }

    /** Client mode against a server whose API is open (no token configured). */
    static Ephemera remote(URI server) {
        return new RemoteEphemera(server, Optional.empty());
    }

    /** Client mode against a server, with a bearer token of scope {@code claim} (or {@code admin}). */
    static Ephemera remote(URI server, String token) {
        return new RemoteEphemera(server, Optional.of(Secret.of(token)));
    }

    /**
     * Claims a cluster and waits until it is Ready ({@link ClusterRequest#readyTimeout()}). If it
     * fails or the wait runs out, the claim is undone as {@link ClusterRequest#onClose()} says and
     * the error is thrown, so nothing is left without a handle.
     *
     * @throws dev.ephemera.domain.error.EphemeraException with the code of what went wrong:
     *         {@code INVALID} for a bad request (an unknown backend), {@code NOT_FOUND} for a warm pool that is not configured,
     *         {@code TIMEOUT} when it was not Ready in time, {@code BACKEND} when it failed,
     *         {@code LIMIT_EXCEEDED} beyond a concurrency cap, {@code CONFLICT} for an id claimed
     *         on another backend or being deleted, {@code UNAVAILABLE} when the server or store
     *         cannot be reached
     */
    EphemeralCluster claim(ClusterRequest request);

    /** Closes every cluster still open (each as its request says), then whatever this Ephemera holds. */
    @Override
    void close();
}
