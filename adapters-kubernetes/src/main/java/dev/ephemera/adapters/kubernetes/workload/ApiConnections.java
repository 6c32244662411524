package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.ports.workload.AdminAccess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection per API server and admin credential: the parsed TLS material, a JDK HTTP client
 * for {@code /readyz} and a fabric8 client for the CI account, each made on first use. Probes
 * repeat every few seconds while a cluster boots, so reusing them saves a PEM parse and a
 * client per probe.
 *
 * <p>Bounded (least recently used goes first) because a long-running server meets many
 * short-lived clusters. A connection is closed only once no caller holds it.
 */
final class ApiConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiConnections.class);
    /** Retries of one fabric8 request on a dropped connection or 5xx; bootstrap as a whole is retried by the Reconciler. */
    private static final int REQUEST_RETRIES = 2;

    private final WorkloadSettings settings;
    private final int capacity;
    private final LinkedHashMap<String, Connection> open = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    ApiConnections(WorkloadSettings settings, int capacity) {
        this.settings = settings;
        this.capacity = capacity;
    }

    /** The connection for {@code access}, held until {@link Connection#release()}. */
    synchronized Connection acquire(AdminAccess access) {
        if (closed) {
            throw new IllegalStateException("the workload clusters adapter is closed");
        }
        String key = key(access);
        Connection c = open.get(key);
        if (c == null) {
            c = new Connection(access, TlsMaterial.of(access));
            open.put(key, c);
            List<Connection> evicted = new ArrayList<>();
            for (Iterator<Connection> it = open.values().iterator(); open.size() > capacity && it.hasNext(); ) {
                evicted.add(it.next());
                it.remove();
            }
            evicted.forEach(Connection::retire);
        }
        c.holders++;
        return c;
    }

    /** Drops the connection to a cluster that needs no more calls (its CI account is made). */
    synchronized void forget(AdminAccess access) {
        Connection c = open.remove(key(access));
        if (c != null) {
            c.retire();
        }
    }

    synchronized int size() {
        return open.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        List<Connection> all = new ArrayList<>(open.values());
        open.clear();
        all.forEach(Connection::retire);
    }

    /** Server URL plus a digest of the credentials: a new PKI for the same address is a new connection. */
    private static String key(AdminAccess a) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {a.caPem(), a.clientCertPem()}) {
                d.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            d.update(a.clientKeyPem().revealBytes());
            return a.server() + "#" + HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** What is held for one API server. Guarded by the enclosing {@link ApiConnections}. */
    final class Connection {
        private final AdminAccess access;
        private final TlsMaterial tls;
        private HttpClient http;
        private KubernetesClient kube;
        private int holders;
        private boolean retired;

        private Connection(AdminAccess access, TlsMaterial tls) {
            this.access = access;
            this.tls = tls;
        }

        AdminAccess access() {
            return access;
        }

        HttpClient http() {
            synchronized (ApiConnections.this) {
                if (http == null) {
                    http = HttpClient.newBuilder()
                            .sslContext(tls.sslContext())
                            .connectTimeout(settings.requestTimeout())
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                }
                return http;
            }
        }

        KubernetesClient kube() {
            synchronized (ApiConnections.this) {
                if (kube == null) {
                    int timeout = (int) settings.requestTimeout().toMillis();
                    // Config.empty(): nothing from ~/.kube/config, KUBECONFIG or a pod's service account may leak in.
                    Config config = new ConfigBuilder(Config.empty())
                            .withMasterUrl(access.server().toString())
                            .withConnectionTimeout(timeout)
                            .withRequestTimeout(timeout)
                            .withRequestRetryBackoffLimit(REQUEST_RETRIES)
                            .withRequestRetryBackoffInterval(250)
                            .build();
                    // Our own SSL context replaces the one fabric8 builds, which would also trust the JDK's public roots.
                    kube = new KubernetesClientBuilder().withConfig(config)
                            .withHttpClientBuilderConsumer(b -> b.sslContext(tls.keyManagers(), tls.trustManagers()))
                            .build();
                }
                return kube;
            }
        }

        void release() {
            synchronized (ApiConnections.this) {
                holders--;
                if (retired && holders == 0) {
                    shut();
                }
            }
        }

        private void retire() {
            retired = true;
            if (holders == 0) {
                shut();
            }
        }

        private void shut() {
            KubernetesClient k = kube;
            kube = null;
            http = null; // the JDK 17 client has no close(): it stops once unreachable
            if (k != null) {
                try {
                    k.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing the client of an API server failed server={} error={}", access.server(), e.toString());
                }
            }
        }
    }
}
