package dev.ephemera.cli.remote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.retry.Retrier;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The CLI's client of the REST API under {@code /v1} (docs/server.md), on the JDK's HttpClient.
 * Answers are JSON; an error answer (RFC 9457 problem+json with Ephemera's {@code code}) becomes
 * the {@link EphemeraException} with that code, so the CLI maps it to the same exit code as a
 * local run. A server that cannot be reached is {@link ErrorCode#UNAVAILABLE}, named by its URL,
 * after a few attempts under the shared {@link RetryPolicy}. The token is sent as a bearer token
 * and never written anywhere else.
 */
public final class ApiClient implements AutoCloseable {
    /** JSON in and out: unknown fields from a newer server are ignored. */
    public static final ObjectMapper JSON = JsonMapper.builder().addModule(new Jdk8Module()).addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    /** Attempts at a request the server did not get (connection refused, reset, timed out). */
    public static final RetryPolicy CONNECT_RETRY = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ZERO);
    /** How long one request may take before its answer starts. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** The most of a failed answer's body that is read. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    private final ServerTarget target;
    private final HttpClient http;
    private final Sleeper sleeper;
    private ScheduledExecutorService watchdog;

    public ApiClient(ServerTarget target) {
        this(target, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build(), Sleeper.SYSTEM);
    }

    ApiClient(ServerTarget target, HttpClient http, Sleeper sleeper) {
        this.target = target;
        this.http = http;
        this.sleeper = sleeper;
    }

    public ServerTarget target() {
        return target;
    }

    /** The waits between attempts go through this (tests pass one that returns at once). */
    public Sleeper sleeper() {
        return sleeper;
    }

    /** A JSON answer of {@code method path}; the body, when present, is written as JSON. */
    public JsonNode call(String method, String path, Optional<Object> body) {
        HttpResponse<String> r = send(method, path, body, "application/json");
        try {
            return JSON.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "the server at " + target.base() + " answered " + method + " " + path
                    + " with something that is not JSON (" + e.getOriginalMessage() + "); is --server the URL of an Ephemera server?");
        }
    }

    /** A text answer (the kubeconfig's YAML). */
    public String text(String path) {
        return send("GET", path, Optional.empty(), "application/yaml, text/plain").body();
    }

    /** Reads a JSON answer as {@code type} (e.g. the application's ClusterView). */
    public <T> T read(JsonNode node, Class<T> type) {
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.BACKEND, "the server at " + target.base() + " answered a " + type.getSimpleName()
                    + " this client cannot read (" + e.getOriginalMessage() + "); are client and server of the same version?");
        }
    }

    private HttpResponse<String> send(String method, String path, Optional<Object> body, String accept) {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body.get()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the request body as JSON", e);
        }
        HttpRequest.Builder b = request(path).timeout(REQUEST_TIMEOUT).header("Accept", accept).method(method, publisher);
        body.ifPresent(x -> b.header("Content-Type", "application/json"));
        HttpRequest request = b.build();
        HttpResponse<String> r = withRetries(method, path, () -> http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        if (r.statusCode() / 100 != 2) {
            throw problem(method, path, r.statusCode(), r.headers().firstValue("content-type"), r.body());
        }
        return r;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(path)).header("User-Agent", "ephemera-cli");
        target.token().ifPresent(t -> b.header("Authorization", "Bearer " + t.reveal()));
        return b;
    }

    @FunctionalInterface
    private interface Exchange<T> {
        T run() throws IOException, InterruptedException;
    }

    /** Runs an exchange, again after a connection failure (bounded); a server never reached is UNAVAILABLE. */
    private <T> T withRetries(String method, String path, Exchange<T> exchange) {
        Retrier<T> retrier = Retrier.<T>builder("ephemera-api", CONNECT_RETRY).retryOnError(e -> e instanceof IOException).sleeper(sleeper).build();
        Retrier.Outcome<T> o;
        try {
            o = retrier.run(n -> exchange.run());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.timeout("interrupted while calling the server at " + target.base());
        }
        if (o.value().isPresent()) {
            return o.value().get();
        }
        Exception e = o.error().orElseThrow();
        if (e instanceof EphemeraException ee) {
            throw ee;
        }
        throw unreachable(method, path, e, o.attempts());
    }

    private EphemeraException unreachable(String method, String path, Exception e, int attempts) {
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new EphemeraException(ErrorCode.UNAVAILABLE, "cannot reach the Ephemera server at " + target.base() + " (" + method + " " + path
                + ", " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ", " + why + "); check --server or EPHEMERA_SERVER and that"
                + " `ephemera server` runs there, then run the command again", e);
    }

    /**
     * Follows an event stream (one connection) until {@code handler} has seen what it waits for
     * (answers true), the stream ends, or {@code deadline} passes (the connection is then closed).
     *
     * @return true when the handler ended it; false when the stream ended or the deadline closed it
     * @throws IOException when the connection fails (the caller may reconnect)
     */
    public boolean follow(String path, Instant deadline, Predicate<ServerSentEvents.Event> handler) throws IOException, InterruptedException {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            return false;
        }
        HttpRequest request = request(path).timeout(left.compareTo(REQUEST_TIMEOUT) < 0 ? left : REQUEST_TIMEOUT)
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                String body = new String(in.readNBytes(ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
                throw problem("GET", path, r.statusCode(), r.headers().firstValue("content-type"), body);
            }
            // A stream is read until the wait is over: the deadline closes it, so a quiet server cannot hold the reader.
            ScheduledFuture<?> closer = watchdog().schedule(() -> closeQuietly(in),
                    Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
            try {
                return ServerSentEvents.read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), handler);
            } catch (IOException e) {
                if (!Instant.now().isBefore(deadline)) {
                    return false; // closed by the deadline
                }
                throw e;
            } finally {
                closer.cancel(false);
            }
        }
    }

    private synchronized ScheduledExecutorService watchdog() {
        if (watchdog == null) {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, task -> {
                Thread t = new Thread(task, "ephemera-api-deadline");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            watchdog = e;
        }
        return watchdog;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // the reader sees the stream end either way
        }
    }

    /**
     * The exception a failed answer stands for: the problem's {@code code} when it is one of
     * Ephemera's, else the code that fits the HTTP status; its {@code detail} as the message, with
     * what to do for a refused token.
     */
    EphemeraException problem(String method, String path, int status, Optional<String> contentType, String body) {
        Optional<String> code = Optional.empty();
        Optional<String> detail = Optional.empty();
        if (contentType.map(c -> c.contains("json")).orElse(false)) {
            try {
                JsonNode n = JSON.readTree(body);
                code = Optional.ofNullable(n.path("code").textValue());
                detail = Optional.ofNullable(n.path("detail").textValue()).or(() -> Optional.ofNullable(n.path("title").textValue()));
            } catch (JsonProcessingException e) {
                // not a problem document: the status says what happened
            }
        }
        ErrorCode ec = codeOf(status, code);
        String message = detail.orElse("the server at " + target.base() + " answered HTTP " + status + " to " + method + " " + path);
        if (ec == ErrorCode.UNAUTHENTICATED) {
            message = "the server at " + target.base() + " refused the request: " + message + "; "
                    + (target.token().isPresent() ? "the token given (EPHEMERA_TOKEN or --token-file) is not one it accepts"
                    : "give its API token in EPHEMERA_TOKEN or with --token-file FILE");
        } else if (ec == ErrorCode.PERMISSION_DENIED) {
            message = "the server at " + target.base() + " refused the request: " + message;
        }
        return new EphemeraException(ec, message);
    }

    /**
     * The error code of an error answer: the problem's {@code code} if it names one of
     * {@link ErrorCode}, else the one its HTTP status stands for (as the server maps them).
     */
    public static ErrorCode codeOf(int status, Optional<String> problemCode) {
        if (problemCode.isPresent()) {
            for (ErrorCode c : ErrorCode.values()) {
                if (c.name().equals(problemCode.get())) {
                    return c;
                }
            }
        }
        return switch (status) {
            case 400, 405, 413, 415, 422 -> ErrorCode.INVALID;
            case 401 -> ErrorCode.UNAUTHENTICATED;
            case 403 -> ErrorCode.PERMISSION_DENIED;
            case 404 -> ErrorCode.NOT_FOUND;
            case 409 -> ErrorCode.CONFLICT;
            case 429 -> ErrorCode.RATE_LIMITED;
            case 502 -> ErrorCode.BACKEND;
            case 503 -> ErrorCode.UNAVAILABLE;
            case 504 -> ErrorCode.TIMEOUT;
            default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID;
        };
    }

    @Override
    public synchronized void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
    }
}
