package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Turns what a new cluster's API server (or the way to it) answered into an
 * {@link EphemeraException} whose code tells the Reconciler whether waiting can help: refusals of
 * our credentials cannot, an unreachable or overloaded server can.
 */
final class ApiErrors {
    private ApiErrors() {
    }

    static EphemeraException map(KubernetesClientException e, URI server, String action) {
        int code = e.getCode();
        String status = e.getStatus() != null && e.getStatus().getMessage() != null ? ": " + e.getStatus().getMessage() : "";
        return switch (code) {
            case 401 -> new EphemeraException(ErrorCode.UNAUTHENTICATED, "the API server " + server + " did not accept the admin client "
                    + "certificate (401 Unauthorized) to " + action + status + "; check that the certificate was issued by the cluster's client CA "
                    + "and has not expired", e);
            case 403 -> new EphemeraException(ErrorCode.PERMISSION_DENIED, "the API server " + server + " forbade the admin client "
                    + "certificate to " + action + " (403 Forbidden)" + status + "; the admin certificate needs cluster-admin rights "
                    + "(organisation system:masters)", e);
            case 404, 409 -> EphemeraException.unavailable("the API server " + server + " could not " + action + " (HTTP " + code + ")" + status
                    + "; something was deleted or changed meanwhile, and bootstrap is retried", e);
            case 429, 500, 502, 503, 504 -> EphemeraException.unavailable("the API server " + server + " could not " + action + " right now (HTTP "
                    + code + ")" + status + "; bootstrap is retried", e);
            case -1, 0 -> EphemeraException.unavailable("cannot reach the API server " + server + " to " + action + ": " + transport(e), e);
            default -> EphemeraException.backend("the API server " + server + " refused to " + action + " (HTTP " + code + ")" + status, e);
        };
    }

    /** What went wrong below HTTP, in a few words. */
    static String transport(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused or unreachable" + paren(t);
            }
            if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
                return "no answer in time" + paren(t);
            }
            if (t instanceof EOFException || (t instanceof SocketException && !(t instanceof ConnectException))) {
                // With TLS 1.3 a server that rejects the client certificate closes or resets the connection after the handshake.
                return "the server closed the connection" + paren(t) + "; it may have refused the admin client certificate "
                        + "(not signed by the cluster's client CA?)";
            }
            if (t instanceof SSLException) {
                return "TLS failed (" + t.getMessage() + "); the server's certificate must be signed by the cluster CA and name the "
                        + "address, and the server must accept the admin client certificate";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static String paren(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? "" : " (" + t.getMessage() + ")";
    }
}
