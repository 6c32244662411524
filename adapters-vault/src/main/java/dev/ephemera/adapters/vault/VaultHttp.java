package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks HTTP to Vault with the JDK client (which can send {@code LIST}, and never resends a
 * POST on its own). Retries with bounded, jittered exponential backoff what is safe to retry:
 * 429 and 503 (Vault did not apply the request), connection refusals (it was never sent), and
 * for reads also lost connections and 500/502/504. A write whose answer was lost is reported as
 * {@link VaultOutcomeUnknownException}, never resent here.
 */
final class VaultHttp {
    private static final Logger LOG = LoggerFactory.getLogger(VaultHttp.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> RETRY_ALWAYS = Set.of(429, 503);
    private static final Set<Integer> RETRY_READS = Set.of(500, 502, 504);

    /** How retries wait: exponential from {@code initial}, ±50% jitter, never above {@code max}. */
    record Backoff(Duration initial, Duration max) {
        static final Backoff DEFAULT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));
    }

    private final HttpClient client;
    private final URI base;
    private final Optional<String> namespace;
    private final Duration timeout;
    private final int maxRetries;
    private final Retry reads;
    private final Retry writes;
    private final AtomicLong retried = new AtomicLong();

    VaultHttp(VaultSettings settings, Backoff backoff) {
        this.base = settings.address();
        this.namespace = settings.namespace();
        this.timeout = settings.timeout();
        this.maxRetries = settings.maxRetries();
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        settings.caCert().ifPresent(ca -> b.sslContext(sslContextTrusting(ca)));
        this.client = b.build();
        IntervalFunction exponential = IntervalFunction.ofExponentialRandomBackoff(backoff.initial(), 2.0, 0.5, backoff.max());
        this.reads = Retry.of("vault-read", config(true, exponential, backoff.max()));
        this.writes = Retry.of("vault-write", config(false, exponential, backoff.max()));
    }

    private RetryConfig config(boolean idempotent, IntervalFunction exponential, Duration max) {
        IntervalBiFunction<VaultResponse> interval = (attempt, outcome) -> {
            long wait = exponential.apply(attempt);
            if (outcome.isRight()) {
                // Honour Retry-After from a rate-limit quota, but never wait longer than our cap.
                Optional<Long> after = outcome.get().header("Retry-After").flatMap(VaultHttp::seconds);
                if (after.isPresent()) {
                    wait = Math.min(Math.max(wait, after.get() * 1000), max.toMillis());
                }
            }
            retried.incrementAndGet();
            return wait;
        };
        return RetryConfig.<VaultResponse>custom()
                .maxAttempts(maxRetries + 1)
                .intervalBiFunction(interval)
                .retryOnResult(r -> RETRY_ALWAYS.contains(r.status()) || (idempotent && RETRY_READS.contains(r.status())))
                .retryOnException(e -> idempotent ? isTransient(e) : neverSent(e))
                .failAfterMaxAttempts(false)
                .build();
    }

    /** How many retries this client has made so far (for benchmarks and tests). */
    long retries() {
        return retried.get();
    }

    URI base() {
        return base;
    }

    /**
     * Sends one request, retrying as described above.
     *
     * @param idempotent whether resending cannot change the outcome (GET, LIST, and deletes)
     */
    VaultResponse send(String method, String path, Optional<JsonNode> body, Optional<Secret> token, boolean idempotent) {
        HttpRequest request = build(method, path, body, token);
        Retry retry = idempotent ? reads : writes;
        try {
            return Retry.decorateCheckedSupplier(retry, () -> once(request)).get();
        } catch (IOException e) {
            throw failure(method, path, idempotent, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while talking to Vault (" + method + " " + path + ")", e);
        } catch (EphemeraException e) {
            throw e;
        } catch (Throwable e) {
            throw new EphemeraException(ErrorCode.INTERNAL, "unexpected failure talking to Vault (" + method + " " + path + "): " + e, e);
        }
    }

    /** One attempt, no retry: for health checks, which must be quick. */
    VaultResponse sendOnce(String method, String path) {
        try {
            return once(build(method, path, Optional.empty(), Optional.empty()));
        } catch (IOException e) {
            throw failure(method, path, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while talking to Vault", e);
        }
    }

    private VaultResponse once(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readAllBytes();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        JsonNode json = MissingNode.getInstance();
        if (!text.isBlank()) {
            try {
                json = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                json = MissingNode.getInstance(); // a proxy's HTML page, say: keep the text for the message
            }
        }
        VaultResponse r = new VaultResponse(response.statusCode(), json, text, response.headers());
        if (RETRY_ALWAYS.contains(r.status())) {
            LOG.debug("vault answered {} to {} {}: {}", r.status(), request.method(), request.uri().getPath(), r.errorsText());
        }
        return r;
    }

    private HttpRequest build(String method, String path, Optional<JsonNode> body, Optional<Secret> token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(timeout)
                .header("X-Vault-Request", "true")
                .header("Accept", "application/json");
        namespace.ifPresent(ns -> b.header("X-Vault-Namespace", ns));
        token.ifPresent(t -> b.header("X-Vault-Token", t.reveal()));
        if (body.isPresent()) {
            try {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body.get())));
            } catch (JsonProcessingException e) {
                throw new EphemeraException(ErrorCode.INTERNAL, "cannot encode a Vault request body: " + e.getOriginalMessage(), e);
            }
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    /** {@code /v1/<path>} with each segment percent-encoded; a trailing '/' (for LIST) is kept. */
    URI uri(String path) {
        StringBuilder sb = new StringBuilder(base.toString()).append("/v1/");
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(URLEncoder.encode(segments[i], StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(sb.toString());
    }

    private EphemeraException failure(String method, String path, boolean idempotent, IOException e) {
        if (causedBy(e, SSLException.class)) {
            return new EphemeraException(ErrorCode.UNAVAILABLE, "TLS with Vault at " + base + " failed (" + rootMessage(e)
                    + "); if Vault's certificate comes from a private CA, set vault.ca-cert to that CA's PEM file", e);
        }
        if (!idempotent && !neverSent(e)) {
            return new VaultOutcomeUnknownException("the answer to " + method + " " + path + " was lost (" + rootMessage(e)
                    + "); Vault may or may not have applied it", e);
        }
        return new EphemeraException(ErrorCode.UNAVAILABLE, "cannot reach Vault at " + base + " for " + method + " " + path + " after "
                + (maxRetries + 1) + " attempts: " + rootMessage(e) + "; check vault.address and that Vault is up", e);
    }

    private static boolean isTransient(Throwable e) {
        return e instanceof IOException && !causedBy(e, SSLException.class);
    }

    /** Failures that prove the request never reached Vault, so resending a write is safe. */
    static boolean neverSent(Throwable e) {
        return (e instanceof ConnectException || e instanceof HttpConnectTimeoutException || causedBy(e, ConnectException.class))
                && !causedBy(e, SSLException.class);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static Optional<Long> seconds(String value) {
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** An SSL context trusting only the CA certificates in a PEM file, as VAULT_CACERT does. */
    static SSLContext sslContextTrusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.ca-cert " + pem + " holds no PEM certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("vault-ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot read vault.ca-cert " + pem + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.ca-cert " + pem + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }
}
