package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.net.http.HttpHeaders;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for the Hetzner Cloud API (https://docs.hetzner.cloud) on the JDK
 * {@link HttpClient}: servers, actions, server types with prices, locations, images, SSH keys,
 * firewalls and primary IPs.
 *
 * <p>Every request is retried under the shared {@link RetryPolicy} (bounded attempts, jittered
 * capped exponential backoff) on transport errors and on the codes Hetzner documents as
 * retryable ({@code rate_limit_exceeded}, {@code locked}, {@code conflict}, 5xx). A 429 waits what
 * {@code Retry-After} says, else until one request is back (one refill interval), never past
 * {@code RateLimit-Reset}; a wait longer than the policy's {@code maxServerWait}
 * ({@code hetzner.rate-limit-max-wait}) fails at once with {@code RATE_LIMITED}. Once an answer
 * says no request is left, the next request first waits for the budget to refill, within the same
 * bound. Any other error (a 404 from an endpoint that does not exist, a refused token) is never
 * retried. Answers are read with a size limit ({@link BoundedBody#DEFAULT_LIMIT}). A POST is retried too: every POST this client makes creates
 * a resource whose name is unique in the project, so a retried create whose first answer was lost
 * fails with {@code uniqueness_error} instead of making a second resource — callers look the
 * resource up by name then.
 *
 * <p>Actions are waited on by id ({@code GET /actions/{id}}); listing all actions was removed by
 * Hetzner on 2025-01-30.
 */
public final class HetznerClient {
    private static final Logger LOG = LoggerFactory.getLogger(HetznerClient.class);
    private static final int PER_PAGE = 50;
    private static final int MAX_PAGES = 200;

    /**
     * @param requestTimeout   how long one HTTP exchange may take
     * @param retry            attempts and backoff for transport errors and retryable codes; its
     *                         {@code maxServerWait} is the longest rate-limit wait one request accepts
     * @param actionPoll       backoff between polls of a running action (bounded by the caller's timeout)
     * @param maxResponseBytes the largest answer read; a larger one is a BACKEND error
     */
    public record Options(Duration connectTimeout, Duration requestTimeout, RetryPolicy retry, RetryPolicy actionPoll, int maxResponseBytes) {
        public Options {
            if (maxResponseBytes < 1) {
                throw new IllegalArgumentException("maxResponseBytes must be positive");
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(30), defaultRetry(Duration.ofMinutes(5)),
                    RetryPolicy.polling(Duration.ofMillis(500), Duration.ofSeconds(5)), BoundedBody.DEFAULT_LIMIT);
        }

        /** 5 attempts, backoff from 0.5 s doubling up to 10 s, rate-limit waits up to {@code maxRateLimitWait}. */
        public static RetryPolicy defaultRetry(Duration maxRateLimitWait) {
            return new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(10), maxRateLimitWait);
        }

        public Options withRetry(RetryPolicy r) {
            return new Options(connectTimeout, requestTimeout, r, actionPoll, maxResponseBytes);
        }

        public Options withMaxResponseBytes(int max) {
            return new Options(connectTimeout, requestTimeout, retry, actionPoll, max);
        }
    }

    /** One answer of the API: status, headers and the parsed body (null when empty or not JSON). */
    private record Answer(int status, HttpHeaders headers, JsonNode body) {
    }

    private final String base;
    private final Secret token;
    private final Options options;
    private final HttpClient http;
    private final Clock clock;
    private final Sleeper sleeper;
    private volatile RateLimit lastRateLimit;

    public HetznerClient(URI apiUrl, Secret token, Options options, Clock clock, Sleeper sleeper) {
        String u = Objects.requireNonNull(apiUrl, "apiUrl").toString();
        this.base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        this.token = Objects.requireNonNull(token, "token");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public HetznerClient(URI apiUrl, Secret token) {
        this(apiUrl, token, Options.defaults(), Clock.systemUTC(), Sleeper.SYSTEM);
    }

    /** The rate-limit headers of the last answer, if it had them. */
    public Optional<RateLimit> lastRateLimit() {
        return Optional.ofNullable(lastRateLimit);
    }

    // ---- servers

    public Optional<Server> server(long id) {
        return getOptional("/servers/" + id, "reading server " + id).map(n -> Server.from(n.path("server")));
    }

    /** Servers matching a Hetzner label selector, e.g. {@code ephemera.dev/cluster=pr-1,ephemera.dev/installation=ci}. */
    public List<Server> servers(String labelSelector) {
        return list("/servers", query("label_selector", labelSelector), "servers", Server::from, "listing servers");
    }

    public Optional<Server> serverByName(String name) {
        return list("/servers", query("name", name), "servers", Server::from, "looking up server " + name).stream().findFirst();
    }

    public CreatedServer createServer(CreateServerRequest r) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", r.name());
        body.put("server_type", r.serverType());
        body.put("image", r.image());
        body.put("location", r.location());
        body.put("start_after_create", true);
        body.set("labels", Json.MAPPER.valueToTree(new LinkedHashMap<>(r.labels())));
        body.put("user_data", r.userData().reveal());
        if (!r.sshKeys().isEmpty()) {
            ArrayNode keys = body.putArray("ssh_keys");
            r.sshKeys().forEach(keys::add);
        }
        if (!r.firewalls().isEmpty()) {
            ArrayNode fws = body.putArray("firewalls");
            r.firewalls().forEach(id -> fws.addObject().put("firewall", id));
        }
        r.primaryIpv4().ifPresent(id -> body.putObject("public_net").put("enable_ipv4", true).put("enable_ipv6", true).put("ipv4", id));
        JsonNode n = call("POST", "/servers", body, "creating server " + r.name());
        List<Action> next = new ArrayList<>();
        n.path("next_actions").forEach(a -> next.add(Action.from(a)));
        return new CreatedServer(Server.from(n.path("server")), Action.from(n.path("action")), next);
    }

    /** Starts deleting a server; empty when it is already gone. */
    public Optional<Action> deleteServer(long id) {
        try {
            JsonNode n = call("DELETE", "/servers/" + id, null, "deleting server " + id);
            return n.path("action").isObject() ? Optional.of(Action.from(n.path("action"))) : Optional.empty();
        } catch (HetznerApiException e) {
            if (e.is("not_found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Powers a server off (a hard stop, as pulling the plug); returns the action to wait on. */
    public Action powerOff(long id) {
        return Action.from(call("POST", "/servers/" + id + "/actions/poweroff", null, "powering off server " + id).path("action"));
    }

    /** Powers a server on; returns the action to wait on. */
    public Action powerOn(long id) {
        return Action.from(call("POST", "/servers/" + id + "/actions/poweron", null, "powering on server " + id).path("action"));
    }

    // ---- actions

    public Action action(long id) {
        return Action.from(call("GET", "/actions/" + id, null, "reading action " + id).path("action"));
    }

    /**
     * Polls the action by id with backoff until it ends or {@code timeout} passes.
     *
     * @throws EphemeraException {@code BACKEND} with the action's error when it failed, {@code TIMEOUT} when it ran too long
     */
    public Action awaitAction(Action action, Duration timeout, String what) {
        Instant deadline = clock.instant().plus(timeout);
        Action current = action;
        int polls = 0;
        while (current.running()) {
            Duration wait = options.actionPoll().backoff(++polls);
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw EphemeraException.timeout(what + ": Hetzner action " + current.id() + " (" + current.command() + ") still running after "
                        + timeout.toSeconds() + " s; it may still finish: run the command again later, or raise hetzner.action-timeout");
            }
            sleep(wait.compareTo(left) < 0 ? wait : left);
            current = action(current.id());
        }
        if (current.failed()) {
            String code = current.errorCode().orElse("action_failed");
            String message = current.errorMessage().orElse("no message");
            ErrorCode ours = "resource_limit_exceeded".equals(code) || "server_limit_exceeded".equals(code)
                    ? ErrorCode.LIMIT_EXCEEDED : ErrorCode.BACKEND;
            throw new HetznerApiException(ours, code, 200, what + ": Hetzner action " + current.id() + " (" + current.command()
                    + ") failed: " + code + " (" + message + ")" + ("resource_unavailable".equals(code)
                    ? "; the server type may be sold out or restricted in that location: choose another hetzner.location or hetzner.server-type"
                    : ""));
        }
        return current;
    }

    // ---- catalogue

    public List<ServerType> serverTypes() {
        return list("/server_types", Map.of(), "server_types", ServerType::from, "listing server types");
    }

    public Optional<ServerType> serverType(String name) {
        return list("/server_types", query("name", name), "server_types", ServerType::from, "looking up server type " + name)
                .stream().findFirst();
    }

    public List<Location> locations() {
        return list("/locations", Map.of(), "locations", Location::from, "listing locations");
    }

    public Optional<Location> location(String name) {
        return list("/locations", query("name", name), "locations", Location::from, "looking up location " + name).stream().findFirst();
    }

    /** Images by name (system images are named like {@code ubuntu-24.04}); one per architecture. */
    public List<Image> images(String name, Optional<String> architecture) {
        Map<String, String> q = new LinkedHashMap<>(query("name", name));
        architecture.ifPresent(a -> q.put("architecture", a));
        return list("/images", q, "images", Image::from, "looking up image " + name);
    }

    public List<SshKey> sshKeys() {
        return list("/ssh_keys", Map.of(), "ssh_keys", SshKey::from, "listing SSH keys");
    }

    public Optional<SshKey> sshKey(String name) {
        return list("/ssh_keys", query("name", name), "ssh_keys", SshKey::from, "looking up SSH key " + name).stream().findFirst();
    }

    public Optional<Firewall> firewall(String name) {
        return list("/firewalls", query("name", name), "firewalls", Firewall::from, "looking up firewall " + name).stream().findFirst();
    }

    public Optional<Firewall> firewall(long id) {
        return getOptional("/firewalls/" + id, "reading firewall " + id).map(n -> Firewall.from(n.path("firewall")));
    }

    // ---- primary IPs

    /** Creates an unassigned primary IPv4 in a location, deleted with the server it is later assigned to. */
    public PrimaryIp createPrimaryIpv4(String name, String location, Map<String, String> labels) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", name);
        body.put("type", "ipv4");
        body.put("assignee_type", "server");
        body.put("location", location);
        body.put("auto_delete", true);
        body.set("labels", Json.MAPPER.valueToTree(new LinkedHashMap<>(labels)));
        return PrimaryIp.from(call("POST", "/primary_ips", body, "creating primary IP " + name).path("primary_ip"));
    }

    public List<PrimaryIp> primaryIps(String labelSelector) {
        return list("/primary_ips", query("label_selector", labelSelector), "primary_ips", PrimaryIp::from, "listing primary IPs");
    }

    public Optional<PrimaryIp> primaryIpByName(String name) {
        return list("/primary_ips", query("name", name), "primary_ips", PrimaryIp::from, "looking up primary IP " + name)
                .stream().findFirst();
    }

    /** Deletes a primary IP; deleting one that is gone is not an error. */
    public void deletePrimaryIp(long id) {
        try {
            call("DELETE", "/primary_ips/" + id, null, "deleting primary IP " + id);
        } catch (HetznerApiException e) {
            if (!e.is("not_found")) {
                throw e;
            }
        }
    }

    // ---- plumbing

    private static Map<String, String> query(String key, String value) {
        return value == null || value.isEmpty() ? Map.of() : Map.of(key, value);
    }

    private <T> List<T> list(String path, Map<String, String> query, String key, Function<JsonNode, T> parse, String context) {
        List<T> out = new ArrayList<>();
        long page = 1;
        for (int i = 0; i < MAX_PAGES; i++) {
            Map<String, String> q = new LinkedHashMap<>(query);
            q.put("page", Long.toString(page));
            q.put("per_page", Integer.toString(PER_PAGE));
            JsonNode n = call("GET", path + "?" + encode(q), null, context);
            n.path(key).forEach(item -> out.add(parse.apply(item)));
            JsonNode next = n.path("meta").path("pagination").path("next_page");
            if (!next.canConvertToLong() || next.asLong() <= page) {
                return out;
            }
            page = next.asLong();
        }
        throw EphemeraException.backend(context + ": more than " + MAX_PAGES + " pages of " + key + "; narrow the label selector", null);
    }

    private static String encode(Map<String, String> q) {
        return q.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("&"));
    }

    private Optional<JsonNode> getOptional(String path, String context) {
        try {
            return Optional.of(call("GET", path, null, context));
        } catch (HetznerApiException e) {
            if (e.is("not_found")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** One API call with bounded retries; answers the parsed body (an empty object for 204). */
    JsonNode call(String method, String pathAndQuery, JsonNode body, String context) {
        URI uri = URI.create(base + pathAndQuery);
        String payload;
        try {
            payload = body == null ? null : Json.MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new EphemeraException(ErrorCode.INTERNAL, context + ": cannot encode request: " + e.getOriginalMessage(), e);
        }
        String endpoint = method + " " + uri.getPath();
        boolean[] rateLimitedBefore = {false};
        Retrier<Answer> retrier = Retrier.<Answer>builder("hetzner", options.retry())
                .retryOnResult(a -> a.status() == 429 || HetznerErrors.retryable(HetznerErrors.code(a.status(), a.body()), a.status()))
                .retryOnError(e -> e instanceof IOException)
                .serverWait(this::rateLimitWait)
                .sleeper(sleeper)
                .build();
        Retrier.Outcome<Answer> outcome;
        try {
            outcome = retrier.run(attempt -> {
                if (!rateLimitedBefore[0]) {
                    waitForBudget();
                }
                Answer a = send(method, uri, payload, endpoint);
                rateLimitedBefore[0] = a.status() == 429;
                if (attempt > 1 || a.status() >= 300) {
                    LOG.debug("hetzner answer: method={} path={} attempt={} status={}", method, uri.getPath(), attempt, a.status());
                }
                return a;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable(context + ": interrupted while waiting for the Hetzner API", e);
        }
        if (outcome.error().isPresent()) {
            Exception e = outcome.error().get();
            if (e instanceof EphemeraException ee) {
                throw ee;
            }
            throw EphemeraException.unavailable(context + ": cannot reach the Hetzner API at " + base + " after " + outcome.attempts()
                    + " attempt" + (outcome.attempts() == 1 ? "" : "s") + " (" + e + "); check hetzner.api-url and the network", e);
        }
        Answer a = outcome.value().orElseThrow();
        if (a.status() >= 200 && a.status() < 300) {
            return a.body() == null ? Json.MAPPER.createObjectNode() : a.body();
        }
        HetznerApiException error = HetznerErrors.map(a.status(), a.body(), context);
        if (error.is("not_found") && "GET".equals(method) && pathAndQuery.contains("?")) {
            // A collection (GET /primary_ips?...) is never "not found" on the real API: the endpoint itself is missing,
            // e.g. behind a proxy or a wrong hetzner.api-url. Retrying cannot fix that.
            throw new HetznerApiException(ErrorCode.BACKEND, error.apiCode(), a.status(), context + ": the Hetzner API at " + base
                    + " has no endpoint " + endpoint + " (it answered " + a.status() + " not_found); check hetzner.api-url "
                    + "(it must be https://api.hetzner.cloud/v1 or an API that serves all of it)");
        }
        if (outcome.refusedWait().isPresent()) {
            throw new HetznerApiException(ErrorCode.RATE_LIMITED, error.apiCode(), a.status(), error.getMessage()
                    + " The project's budget is back in " + outcome.refusedWait().get().toSeconds() + " s, longer than hetzner.rate-limit-max-wait ("
                    + options.retry().maxServerWait().toSeconds() + " s).");
        }
        throw error;
    }

    /** One exchange: the answer's headers are remembered for the rate limit; the body is read with the size limit. */
    private Answer send(String method, URI uri, String payload, String endpoint) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(options.requestTimeout())
                .header("Authorization", "Bearer " + token.reveal())
                .header("Accept", "application/json")
                .header("User-Agent", "ephemera-hetzner");
        if (payload != null) {
            rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(payload));
        } else {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<InputStream> response = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        RateLimit.from(response.headers()).ifPresent(rl -> lastRateLimit = rl);
        byte[] bytes = BoundedBody.read(response.body(), options.maxResponseBytes(), "the Hetzner API's answer to " + endpoint,
                "check hetzner.api-url (a proxy or another service may be answering)");
        return new Answer(response.statusCode(), response.headers(), parse(new String(bytes, StandardCharsets.UTF_8)));
    }

    /**
     * The wait a rate-limited answer names: {@code Retry-After} if given, else until one request is
     * available again (one refill interval), never past {@code RateLimit-Reset}, when the whole
     * budget is back. Empty for other answers, and for a 429 without those headers (then the
     * policy's backoff applies).
     */
    private Optional<Duration> rateLimitWait(Answer a) {
        if (a.status() != 429 && !"rate_limit_exceeded".equals(HetznerErrors.code(a.status(), a.body()))) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<Duration> retryAfter = a.headers().firstValue("Retry-After").flatMap(v -> ServerWait.retryAfter(v, now));
        if (retryAfter.isPresent()) {
            return retryAfter;
        }
        return RateLimit.from(a.headers()).map(rl -> rl.untilNextRequest(now))
                .or(() -> a.headers().firstValue("RateLimit-Reset").flatMap(v -> ServerWait.untilEpochSecond(v, now)));
    }

    /** When the last answer said the budget is used up, waits for it to refill before the next request. */
    private void waitForBudget() throws InterruptedException {
        RateLimit rl = lastRateLimit;
        if (rl == null || rl.remaining() > 0) {
            return;
        }
        Duration wait = rl.untilNextRequest(clock.instant());
        if (wait.isZero()) {
            return;
        }
        if (wait.compareTo(options.retry().maxServerWait()) > 0) {
            throw new HetznerApiException(ErrorCode.RATE_LIMITED, "rate_limit_exceeded", 429, "the Hetzner project's API budget "
                    + "is used up until " + rl.reset() + " and the wait would pass hetzner.rate-limit-max-wait; try again later");
        }
        sleeper.sleep(wait);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private void sleep(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while waiting for the Hetzner API", e);
        }
    }
}
