package dev.ephemera.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client mode: every step is a request to an {@code ephemera server} (docs/api.md). The server's
 * driver steps the claim; this client waits with the API's long poll ({@code ?wait=Ready}: the
 * server holds the request until the phase changes, no polling), asking again only when a held
 * request's own timeout ran out. Requests that did not get through (connection refused, 502,
 * 503, 429) are retried a few times with the shared retry policy's jittered backoff, honouring
 * {@code Retry-After}; claims and deletions are idempotent by id, so a retry never doubles one.
 */
final class RemoteEphemera implements Ephemera {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteEphemera.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The longest one held request may wait (the server's own maximum). */
    private static final Duration MAX_HOLD = Duration.ofHours(1);
    private static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final RetryPolicy RETRY = new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));

    private final URI server;
    private final Optional<Secret> token;
    private final HttpClient http;
    private final List<RemoteCluster> open = new ArrayList<>();
    private boolean closed;

    RemoteEphemera(URI server, Optional<Secret> token) {
        Objects.requireNonNull(server, "server");
        if (server.getScheme() == null || !(server.getScheme().equals("http") || server.getScheme().equals("https")) || server.getHost() == null) {
            throw EphemeraException.invalid("the server address must be an http:// or https:// URL such as http://127.0.0.1:8080, not '" + server + "'");
        }
        String s = server.toString();
        this.server = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public EphemeralCluster claim(ClusterRequest request) {
        synchronized (this) {
            if (closed) {
                throw EphemeraException.conflict("this Ephemera was closed; make a new one with Ephemera.remote(…)");
            }
        }
        String id = request.id();
        JsonNode claimed = expect(send("POST", "/v1/clusters", body(request), REQUEST_TIMEOUT), 200, 201);
        LOG.info("cluster claimed cluster={} server={} phase={}", id, server, claimed.path("phase").asText());
        try {
            Duration timeout = request.readyTimeout().orElse(DEFAULT_READY_TIMEOUT);
            // A claim from a warm pool answers with the member it took (aliased to id): wait on that record.
            JsonNode c = waitFor(claimed.path("id").asText(id), "Ready", timeout);
            if (!"Ready".equals(c.path("phase").asText())) {
                throw new EphemeraException(ErrorCode.BACKEND, "cluster " + id + " did not become Ready: it is " + c.path("phase").asText()
                        + (c.hasNonNull("failureReason") ? " (" + c.path("failureReason").asText() + ")" : ""));
            }
            HttpResponse<String> kc = send("GET", "/v1/clusters/" + id + "/kubeconfig", null, REQUEST_TIMEOUT);
            if (kc.statusCode() != 200) {
                throw problem(kc);
            }
            RemoteCluster handle = new RemoteCluster(c, Secret.of(kc.body()), request);
            synchronized (this) {
                open.add(handle);
            }
            return handle;
        } catch (RuntimeException e) {
            try {
                letGo(id, request);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Holds {@code GET /v1/clusters/{id}?wait=PHASE} until the phase (or one it cannot leave) is reached, asking again after each hold runs out. */
    private JsonNode waitFor(String id, String phase, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.compareTo(Duration.ofSeconds(1)) < 0) {
                throw EphemeraException.timeout("cluster " + id + " was not " + phase + " within " + DurationText.format(timeout)
                        + " at " + server + "; give it longer with ClusterRequest.readyTimeout (state: GET /v1/clusters/" + id + ")");
            }
            Duration hold = left.compareTo(MAX_HOLD) > 0 ? MAX_HOLD : left;
            // Whole seconds: the API's duration syntax.
            String holdText = DurationText.format(Duration.ofSeconds(Math.max(1, hold.toSeconds())));
            HttpResponse<String> r = send("GET", "/v1/clusters/" + id + "?wait=" + phase + "&timeout=" + URLEncoder.encode(holdText, StandardCharsets.UTF_8),
                    null, hold.plus(REQUEST_TIMEOUT));
            if (r.statusCode() == 200) {
                return parse(r);
            }
            if (r.statusCode() != 504) {
                throw problem(r);
            }
        }
    }

    private void letGo(String id, ClusterRequest request) {
        if (request.onClose() == OnClose.RELEASE) {
            HttpResponse<String> r = send("POST", "/v1/clusters/" + id + "/release", null, REQUEST_TIMEOUT);
            if (r.statusCode() != 200 && r.statusCode() != 404) {
                throw problem(r);
            }
            return;
        }
        HttpResponse<String> r = send("DELETE", "/v1/clusters/" + id, null, REQUEST_TIMEOUT);
        if (r.statusCode() == 404) {
            return;
        }
        if (r.statusCode() / 100 != 2) {
            throw problem(r);
        }
        JsonNode c;
        try {
            c = waitFor(id, "Deleted", request.closeTimeout());
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return; // the record is gone already: so is the cluster
            }
            throw e;
        }
        if (!"Deleted".equals(c.path("phase").asText())) {
            throw new EphemeraException(ErrorCode.BACKEND, "cluster " + id + " was not deleted: it is " + c.path("phase").asText()
                    + "; finish it with: ephemera cluster delete " + id + " --wait (on the server's store)");
        }
        LOG.info("cluster deleted cluster={} server={}", id, server);
    }

    private static String body(ClusterRequest r) {
        ObjectNode b = JSON.createObjectNode();
        b.put("id", r.id());
        r.backend().ifPresent(v -> b.put("backend", v));
        r.owner().ifPresent(v -> b.put("owner", v));
        r.ttl().ifPresent(v -> b.put("ttl", DurationText.format(v)));
        r.size().ifPresent(v -> b.put("size", v));
        r.location().ifPresent(v -> b.put("location", v));
        r.kubernetesVersion().ifPresent(v -> b.put("kubernetesVersion", v));
        r.pool().ifPresent(v -> b.put("fromPool", v));
        if (!r.pushTo().isEmpty()) {
            r.pushTo().forEach(b.putArray("pushTo")::add);
        }
        return b.toString();
    }

    /** One logical request: retried on what did not get through, with the shared policy's backoff. */
    private HttpResponse<String> send(String method, String path, String body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t.reveal()));
        HttpRequest request = b.build();
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            String why;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int s = r.statusCode();
                if (s != 429 && s != 502 && s != 503) {
                    return r;
                }
                why = "HTTP " + s;
                Optional<Duration> named = r.headers().firstValue("Retry-After").flatMap(RemoteEphemera::seconds);
                wait = named.filter(n -> n.compareTo(RETRY.maxServerWait()) <= 0).orElse(RETRY.backoff(attempt));
                if (attempt >= RETRY.maxAttempts() || named.isPresent() && named.get().compareTo(RETRY.maxServerWait()) > 0) {
                    return r;
                }
            } catch (IOException e) {
                why = e.toString();
                if (attempt >= RETRY.maxAttempts()) {
                    throw EphemeraException.unavailable("the Ephemera server at " + server + " did not answer " + method + " " + path + " after "
                            + attempt + " attempts (" + e.getMessage() + "); check that it runs and the address is right", e);
                }
                wait = RETRY.backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EphemeraException.unavailable("interrupted while waiting for " + server, e);
            }
            LOG.debug("retrying request method={} path={} attempt={} reason={} wait={}", method, path, attempt, why, wait);
            try {
                Sleeper.SYSTEM.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EphemeraException.unavailable("interrupted while waiting to retry " + server, e);
            }
        }
    }

    private static Optional<Duration> seconds(String v) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private JsonNode expect(HttpResponse<String> r, int... ok) {
        for (int s : ok) {
            if (r.statusCode() == s) {
                return parse(r);
            }
        }
        throw problem(r);
    }

    private JsonNode parse(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw EphemeraException.unavailable(server + " answered " + r.statusCode() + " with a body that is not JSON; is it an Ephemera server?", e);
        }
    }

    /** The server's problem+json as the error it carries; anything else as UNAVAILABLE naming the status. */
    private EphemeraException problem(HttpResponse<String> r) {
        String where = r.request().method() + " " + r.uri().getPath();
        try {
            JsonNode p = JSON.readTree(r.body());
            if (p != null && p.hasNonNull("code")) {
                ErrorCode code;
                try {
                    code = ErrorCode.valueOf(p.path("code").asText());
                } catch (IllegalArgumentException e) {
                    code = ErrorCode.BACKEND;
                }
                return new EphemeraException(code, "the Ephemera server answered " + r.statusCode() + " to " + where + ": " + p.path("detail").asText());
            }
        } catch (IOException e) {
            // not problem+json: described below by its status
        }
        ErrorCode code = switch (r.statusCode()) {
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.NOT_FOUND;
            default -> ErrorCode.UNAVAILABLE;
        };
        return new EphemeraException(code, server + " answered " + r.statusCode() + " to " + where + " without an Ephemera error; is it an Ephemera server?");
    }

    @Override
    public void close() {
        List<RemoteCluster> left;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            left = new ArrayList<>(open);
        }
        ClusterHandle.closeAll(left);
    }

    @Override
    public String toString() {
        return "Ephemera.remote(" + server + (token.isPresent() ? ", token" : "") + ")";
    }

    /** A cluster claimed through a server. */
    private final class RemoteCluster extends ClusterHandle {
        private final ClusterRequest request;

        RemoteCluster(JsonNode c, Secret kubeconfig, ClusterRequest request) {
            super(c.path("id").asText(), c.path("backend").asText(), apiUrl(c), kubeconfig, h -> {
                synchronized (RemoteEphemera.this) {
                    open.remove(h);
                }
            });
            this.request = request;
        }

        private static URI apiUrl(JsonNode c) {
            String url = c.path("endpoint").path("apiUrl").asText("");
            if (url.isEmpty()) {
                throw EphemeraException.backend("cluster " + c.path("id").asText() + " is Ready but the server shows no endpoint.apiUrl", null);
            }
            return URI.create(url);
        }

        @Override
        String closedAs() {
            return request.onClose() == OnClose.RELEASE ? "released" : "deleted";
        }

        @Override
        void letGo() {
            RemoteEphemera.this.letGo(id(), request);
        }

        @Override
        Path writeReport(Path directory) {
            throw EphemeraException.unavailable("a server has no report route, so client mode cannot collect the report of cluster " + id()
                    + "; run: ephemera report --kubeconfig FILE --out " + directory + " (FILE: EphemeralCluster.kubeconfigPath())", null);
        }
    }
}
