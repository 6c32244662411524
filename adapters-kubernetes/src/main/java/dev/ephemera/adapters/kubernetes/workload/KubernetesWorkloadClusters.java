package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import dev.ephemera.ports.workload.Readiness;
import dev.ephemera.ports.workload.WorkloadClusters;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link WorkloadClusters} over a new cluster's API server: {@code /readyz} through the JDK HTTP
 * client, the CI account through fabric8, both over TLS that trusts the cluster CA alone and
 * authenticates with the admin client certificate (K3s runs with anonymous auth off).
 */
public final class KubernetesWorkloadClusters implements WorkloadClusters {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesWorkloadClusters.class);
    /** Enough of a failing {@code /readyz} answer (it lists each check) to say which one fails, not so much that a log line drowns. */
    private static final int DETAIL_BYTES = 2048;
    /** Clusters whose probes overlap; past this the least recently probed one is reconnected on its next probe. */
    private static final int CONNECTIONS = 32;

    private final WorkloadSettings settings;
    private final ApiConnections connections;

    KubernetesWorkloadClusters(WorkloadSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.connections = new ApiConnections(settings, CONNECTIONS);
    }

    @Override
    public Readiness probe(AdminAccess access) {
        ApiConnections.Connection c = connections.acquire(access);
        URI uri = readyz(access.server());
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout()).GET().build();
            HttpResponse<InputStream> answer = c.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
            String body = head(answer.body());
            if (answer.statusCode() == 200) {
                return new Readiness(true, body.isBlank() ? "ok" : body);
            }
            String why = switch (answer.statusCode()) {
                case 401 -> " (the server did not accept the admin client certificate)";
                case 403 -> " (the admin client certificate may not read /readyz)";
                default -> "";
            };
            return new Readiness(false, "GET " + uri + " answered " + answer.statusCode() + why + (body.isBlank() ? "" : ": " + body));
        } catch (IOException e) {
            LOG.debug("readiness probe failed server={} error={}", access.server(), e.toString());
            return new Readiness(false, "GET " + uri + ": " + ApiErrors.transport(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Readiness(false, "GET " + uri + ": interrupted");
        } finally {
            c.release();
        }
    }

    @Override
    public CiCredentials bootstrap(AdminAccess access, CiAccount account) {
        ApiConnections.Connection c = connections.acquire(access);
        CiCredentials made;
        try {
            made = new CiAccountSetup(c.kube(), access.server(), account).run(settings.bootstrapTimeout());
        } catch (EphemeraException e) {
            throw e;
        } catch (RuntimeException e) {
            // fabric8 wraps transport failures in its own exception types; anything else reaching here is a fault on the way.
            throw EphemeraException.unavailable("bootstrapping the CI account on " + access.server() + " failed: " + ApiErrors.transport(e), e);
        } finally {
            c.release();
        }
        // The Reconciler calls no more for a cluster whose CI account is made: free its client now, not at eviction.
        connections.forget(access);
        return made;
    }

    @Override
    public CiCredentials rotateToken(AdminAccess access, CiAccount account) {
        ApiConnections.Connection c = connections.acquire(access);
        try {
            return new CiAccountSetup(c.kube(), access.server(), account).rotate(settings.bootstrapTimeout());
        } catch (EphemeraException e) {
            throw e;
        } catch (RuntimeException e) {
            throw EphemeraException.unavailable("rotating the CI token on " + access.server() + " failed: " + ApiErrors.transport(e), e);
        } finally {
            c.release();
            connections.forget(access); // a claim rotates once; the connection is not reused soon
        }
    }

    @Override
    public Health health() {
        return Health.up(connections.size() + " API server connection(s) open");
    }

    @Override
    public void close() {
        connections.close();
    }

    /** {@code /readyz} below the server URL, keeping a path prefix (an API server behind a proxy may have one). */
    static URI readyz(URI server) {
        String base = server.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/readyz");
    }

    private static String head(InputStream in) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(DETAIL_BYTES);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        }
    }
}
