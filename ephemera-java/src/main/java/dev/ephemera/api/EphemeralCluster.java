package dev.ephemera.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;

/**
 * A claimed cluster that was Ready when it was handed out. {@link #close()} deletes or releases it
 * ({@link ClusterRequest#onClose()}), closes the {@link #kubernetesClient()} and removes the
 * {@link #kubeconfigPath()} file. {@code toString()} never shows credentials.
 */
public interface EphemeralCluster extends AutoCloseable {
    /** The cluster id. */
    String id();

    /** The backend it runs on. */
    String backend();

    /** Where its API server answers. */
    URI apiUrl();

    /**
     * The CI kubeconfig (YAML): the cluster's CA and the token of its CI service account — the same
     * file {@code ephemera cluster kubeconfig ID} prints. A credential: do not log it.
     */
    String kubeconfig();

    /** The CI kubeconfig in a file readable by its owner only ({@code 0600}), written on first use and deleted on close. */
    Path kubeconfigPath();

    /** A fabric8 client on the CI kubeconfig, made on first use and closed on close (callers must not close it). */
    KubernetesClient kubernetesClient();

    /**
     * Writes the cluster's report (REPORT.md, report.json, k8s/ — as {@code ephemera report --cluster ID})
     * into {@code directory} and returns the REPORT.md file.
     *
     * @throws dev.ephemera.domain.error.EphemeraException {@code UNAVAILABLE} where this mode cannot
     *         collect one (client mode: the server has no report route), with what to run instead
     */
    Path report(Path directory);

    /** Deletes (and waits for it) or releases the cluster; idempotent. */
    @Override
    void close();
}
