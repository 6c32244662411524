package dev.ephemera.api;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both modes share: the kubeconfig as text, file and fabric8 client, and a close that runs
 * once. The mode's part is {@link #letGo()} (delete and wait, or release) and {@link #report}.
 */
abstract class ClusterHandle implements EphemeralCluster {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterHandle.class);

    private final String id;
    private final String backend;
    private final URI apiUrl;
    private final Secret kubeconfig;
    private final Consumer<ClusterHandle> onClosed;
    private Path file;
    private KubernetesClient client;
    private boolean closed;

    ClusterHandle(String id, String backend, URI apiUrl, Secret kubeconfig, Consumer<ClusterHandle> onClosed) {
        this.id = id;
        this.backend = backend;
        this.apiUrl = apiUrl;
        this.kubeconfig = kubeconfig;
        this.onClosed = onClosed;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public URI apiUrl() {
        return apiUrl;
    }

    @Override
    public String kubeconfig() {
        return kubeconfig.reveal();
    }

    @Override
    public synchronized Path kubeconfigPath() {
        requireOpen();
        if (file == null) {
            try {
                Path f = Files.createTempFile("ephemera-" + id + "-", ".kubeconfig",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(f, kubeconfig.revealBytes());
                file = f;
            } catch (IOException e) {
                throw new EphemeraException(ErrorCode.UNAVAILABLE, "cannot write the kubeconfig of cluster " + id + " to a temporary file: "
                        + e.getMessage() + "; check java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ")", e);
            }
        }
        return file;
    }

    @Override
    public synchronized KubernetesClient kubernetesClient() {
        requireOpen();
        if (client == null) {
            client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig.reveal())).build();
        }
        return client;
    }

    @Override
    public final Path report(Path directory) {
        requireOpen();
        return writeReport(directory);
    }

    /** Closes every handle, each as its request says; the first failure is thrown with the others suppressed in it. */
    static void closeAll(java.util.List<? extends ClusterHandle> handles) {
        RuntimeException first = null;
        for (ClusterHandle c : handles) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    abstract Path writeReport(Path directory);

    private void requireOpen() {
        if (closed) {
            throw EphemeraException.conflict("cluster " + id + " was closed (" + closedAs() + "); claim it again for a new handle");
        }
    }

    /** How this handle lets go of its cluster, for messages. */
    abstract String closedAs();

    /** Deletes (waiting until it is gone) or releases the cluster. */
    abstract void letGo();

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (client != null) {
                client.close();
            }
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // The file is 0600; failing to delete it must not keep the cluster alive.
                    LOG.warn("could not delete the kubeconfig file cluster={} file={} error={}", id, file, e.toString());
                }
            }
        }
        try {
            letGo();
        } finally {
            onClosed.accept(this);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[id=" + id + ", backend=" + backend + ", apiUrl=" + apiUrl + "]";
    }
}
