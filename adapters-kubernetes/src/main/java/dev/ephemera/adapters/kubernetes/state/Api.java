package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
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

    /** Full-jitter exponential backoff before compare-and-set attempt {@code attempt + 1}. */
    static void backoff(int attempt) {
        long capMicros = Math.min(100_000L, 1_000L << Math.min(attempt, 10));
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(capMicros + 1) * 1_000L);
        if (Thread.currentThread().isInterrupted()) {
            throw EphemeraException.unavailable("interrupted while waiting to retry a write to the Kubernetes API", null);
        }
    }

    static EphemeraException contended(String what) {
        return EphemeraException.unavailable(what + " lost the compare-and-set race " + ATTEMPTS
                + " times in a row (the object kept changing); retry", null);
    }
}
