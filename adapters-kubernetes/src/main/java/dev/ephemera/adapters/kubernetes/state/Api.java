package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.function.Supplier;

/** What the stores share: calls with errors mapped to {@link ErrorCode}s, and the backoff between compare-and-set attempts. */
final class Api {
    /** How many compare-and-set rounds one operation may take before it gives up with UNAVAILABLE. */
    static final int ATTEMPTS = 200;
    static final String INSTALLATION = "ephemera.dev/installation";
    static final String KIND = "ephemera.dev/kind";

    private Api() {
    }

    /** True if the API refused a write because the object changed (stale resourceVersion) or already exists. */
    static boolean isConflict(KubernetesClientException e) {
        return e.getCode() == 409;
    }

    /** Runs one API call; anything but a conflict becomes an EphemeraException saying what failed. */
    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (isConflict(e)) {
                throw e;
            }
            throw translate(what, e);
        }
    }

    static EphemeraException translate(String what, KubernetesClientException e) {
        int code = e.getCode();
        String detail = what + " failed: " + (code == 0 ? "" : "HTTP " + code + " ") + firstLine(e.getMessage());
        if (code == 401 || code == 403) {
            return new EphemeraException(ErrorCode.BACKEND, detail + "; give Ephemera's service account get, list, create, update and delete "
                    + "on configmaps and secrets in the store's namespace (see docs/kubernetes.md)", e);
        }
        if (code == 404) {
            return EphemeraException.notFound(detail + "; does the namespace exist? (kubectl create namespace ...)");
        }
        if (code == 422 || code == 400) {
            return EphemeraException.invalid(detail);
        }
        // No answer, a timeout or a server error: the outcome of a write is unknown.
        return EphemeraException.unavailable(detail + "; the Kubernetes API is unreachable or failing, retry", e);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The code base's one retry policy, as the compare-and-set loops use it: 1 ms doubling up to 100 ms, jittered. */
    private static final RetryPolicy CAS = RetryPolicy.polling(Duration.ofMillis(1), Duration.ofMillis(100));

    /** Waits before compare-and-set attempt {@code attempt + 1}. */
    static void backoff(int attempt) {
        try {
            Sleeper.SYSTEM.sleep(CAS.backoff(Math.min(attempt, 30) + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while waiting to retry a write to the Kubernetes API", e);
        }
    }

    static EphemeraException contended(String what) {
        return EphemeraException.unavailable(what + " lost the compare-and-set race " + ATTEMPTS
                + " times in a row (the object kept changing); retry", null);
    }

    /** Both stores are up when one labelled ConfigMap of the installation can be listed in their namespace. */
    static Health health(KubernetesClient client, String namespace, String installation) {
        try {
            client.configMaps().inNamespace(namespace).withLabel(INSTALLATION, installation)
                    .list(new ListOptionsBuilder().withLimit(1L).build());
            return Health.up("Kubernetes API " + client.getMasterUrl() + ", namespace " + namespace);
        } catch (RuntimeException e) {
            return Health.down("cannot list ConfigMaps in namespace " + namespace + " at " + client.getMasterUrl() + ": " + e.getMessage());
        }
    }
}
