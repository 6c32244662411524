package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.retry.BoundedBody;
import dev.ephemera.retry.Retrier;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.ServerWait;
import dev.ephemera.retry.Sleeper;
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
import java.time.Clock;
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
 * POST on its own). Retries under the shared {@link RetryPolicy} ({@code vault.max-retries}
 * retries, jittered exponential backoff, {@code Retry-After} honoured) what is safe to retry:
 * 429 and 503 (Vault did not apply the request), connection refusals (it was never sent), and
 * for reads also lost connections and 500/502/504. A write whose answer was lost is reported as
 * {@link VaultOutcomeUnknownException}, never resent here. Answers are read with a size limit
 * ({@link BoundedBody#DEFAULT_LIMIT}).
 */
final class VaultHttp {
    private static final Logger LOG = LoggerFactory.getLogger(VaultHttp.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> RETRY_ALWAYS = Set.of(429, 503);
    private static final Set<Integer> RETRY_READS = Set.of(500, 502, 504);

    private final HttpClient client;
    private final URI base;
    private final Optional<String> namespace;
    private final Duration timeout;
    private final RetryPolicy policy;
    private final Sleeper sleeper;
    private final AtomicLong retried = new AtomicLong();

    /** The default policy: {@code vault.max-retries} retries, backoff from 200 ms up to 10 s, a Retry-After of up to 10 s. */
    static RetryPolicy policy(VaultSettings settings) {
        return new RetryPolicy(settings.maxRetries() + 1, Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    VaultHttp(VaultSettings settings) {
        this(settings, policy(settings), Sleeper.SYSTEM);
    }

    VaultHttp(VaultSettings settings, RetryPolicy policy, Sleeper sleeper) {
        this.base = settings.address();
        this.namespace = settings.namespace();
        this.timeout = settings.timeout();
        this.policy = policy;
        this.sleeper = sleeper;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.caCert().isPresent()) {
            b.sslContext(sslContextTrusting(settings.caCert().get()));
        } else if ("http".equalsIgnoreCase(base.getScheme())) {
            b.sslContext(plaintextOnly());
        }
        this.client = b.build();
    }

    /**
     * For a plain-HTTP address (a dev server, a local agent): a TLS context that trusts nothing,
     * so the client never loads the JDK's trust store, which was a fifth of a CLI pool verb on
     * {@code store: vault} (docs/benchmarks/cli-start.md). It is never used: every request goes
     * to the http address and redirects are not followed; were one made over TLS, it would fail.
     */
    private static SSLContext plaintextOnly() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[0], new javax.net.ssl.TrustManager[0], null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS: " + e.getMessage(), e);
        }
    }

    private Retrier<VaultResponse> retrier(boolean idempotent) {
        return Retrier.<VaultResponse>builder(idempotent ? "vault-read" : "vault-write", policy)
                .retryOnResult(r -> RETRY_ALWAYS.contains(r.status()) || (idempotent && RETRY_READS.contains(r.status())))
                .retryOnError(e -> idempotent ? isTransient(e) : neverSent(e))
                .serverWait(r -> r.header("Retry-After").flatMap(v -> ServerWait.retryAfter(v, Clock.systemUTC().instant())))
                .sleeper(d -> {
                    retried.incrementAndGet();
                    sleeper.sleep(d);
                })
                .build();
    }

    /** The TLS context the client was built with (for tests). */
    SSLContext tlsContext() {
        return client.sslContext();
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
        Retrier.Outcome<VaultResponse> outcome;
        try {
            outcome = retrier(idempotent).run(n -> once(request));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while talking to Vault (" + method + " " + path + ")", e);
        }
        if (outcome.error().isPresent()) {
            Exception e = outcome.error().get();
            if (e instanceof IOException io) {
                throw failure(method, path, idempotent, io, outcome.attempts());
            }
            if (e instanceof EphemeraException ee) {
                throw ee;
            }
            throw new EphemeraException(ErrorCode.INTERNAL, "unexpected failure talking to Vault (" + method + " " + path + "): " + e, e);
        }
        return outcome.value().orElseThrow().afterAttempts(outcome.attempts());
    }

    /** One attempt, no retry: for health checks, which must be quick. */
    VaultResponse sendOnce(String method, String path) {
        try {
            return once(build(method, path, Optional.empty(), Optional.empty()));
        } catch (IOException e) {
            throw failure(method, path, true, e, 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EphemeraException(ErrorCode.UNAVAILABLE, "interrupted while talking to Vault", e);
        }
    }

    private VaultResponse once(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        byte[] bytes = BoundedBody.read(response.body(), BoundedBody.DEFAULT_LIMIT, "Vault's answer to " + request.method() + " "
                + request.uri().getPath(), "check vault.address (a proxy or another service may be answering)");
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

    private EphemeraException failure(String method, String path, boolean idempotent, IOException e, int attempts) {
        if (causedBy(e, SSLException.class)) {
            return new EphemeraException(ErrorCode.UNAVAILABLE, "TLS with Vault at " + base + " failed (" + rootMessage(e)
                    + "); if Vault's certificate comes from a private CA, set vault.ca-cert to that CA's PEM file", e);
        }
        if (!idempotent && !neverSent(e)) {
            return new VaultOutcomeUnknownException("the answer to " + method + " " + path + " was lost (" + rootMessage(e)
                    + "); Vault may or may not have applied it", e);
        }
        return new EphemeraException(ErrorCode.UNAVAILABLE, "cannot reach Vault at " + base + " for " + method + " " + path + " after "
                + attempts + (attempts == 1 ? " attempt: " : " attempts: ") + rootMessage(e) + "; check vault.address and that Vault is up", e);
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
