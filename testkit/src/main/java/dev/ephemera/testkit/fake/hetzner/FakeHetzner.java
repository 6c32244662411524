package dev.ephemera.testkit.fake.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A fake Hetzner Cloud API on 127.0.0.1, for tests. Every request is checked against Hetzner's
 * OpenAPI description (path, method, path and query parameters, JSON body) and every answer the
 * fake gives is checked against the response schema; what does not conform is answered the way
 * Hetzner answers ({@code invalid_input}, {@code not_found}, …) and recorded in
 * {@link #violations()}, which a test asserts empty. It keeps servers, actions, labels and label
 * selectors, primary IPs, SSH keys and firewalls, sends {@code RateLimit-*} headers from a real
 * token bucket, and takes faults: 429s with {@code RateLimit-Reset}, error codes, and answers lost
 * after the request took effect.
 *
 * <p>Servers "boot": when the create action succeeds, the user data is read as cloud-init would
 * ({@link CloudConfigBoot}), and a {@link FakeK3s} starts at the server's public IPv4 on the port
 * K3s would listen on ({@code https-listen-port} of {@code /etc/rancher/k3s/config.yaml}, default
 * 6443), serving a certificate minted from the {@code server-ca} pair found in {@code write_files}
 * and requiring client certificates from {@code client-ca.crt}. So readiness is real TLS against
 * the bundle the server was given.
 *
 * <p>Addresses: each server gets its own loopback address {@code 127.42.x.y} (Linux routes all of
 * 127.0.0.0/8 to loopback), so many servers can listen on one port, as on Hetzner. Tests set the
 * backend's {@code api-port} to {@link #apiPort()}, a port found free at start. Where the system
 * has only 127.0.0.1 (macOS), every server gets 127.0.0.1 and only one can be booted at a time.
 */
public final class FakeHetzner implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int USER_DATA_LIMIT = 32 * 1024;
    private static final Pattern HOSTNAME = Pattern.compile("(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Map<String, Integer> STATUS = Map.ofEntries(Map.entry("json_error", 400), Map.entry("unauthorized", 401),
            Map.entry("token_readonly", 401), Map.entry("forbidden", 403), Map.entry("maintenance", 403),
            Map.entry("resource_limit_exceeded", 403), Map.entry("server_limit_exceeded", 403), Map.entry("not_found", 404),
            Map.entry("method_not_allowed", 405), Map.entry("uniqueness_error", 409), Map.entry("conflict", 409),
            Map.entry("deprecated_api_endpoint", 410), Map.entry("resource_unavailable", 412), Map.entry("invalid_input", 422),
            Map.entry("service_error", 422), Map.entry("unsupported_error", 422), Map.entry("locked", 423),
            Map.entry("protected", 423), Map.entry("rate_limit_exceeded", 429), Map.entry("server_error", 500),
            Map.entry("unavailable", 503), Map.entry("timeout", 504), Map.entry("placement_error", 422),
            Map.entry("primary_ip_assigned", 422));

    /** How the fake behaves; every field has a default. */
    public record Options(String token, Clock clock, int actionPolls, Duration actionDuration, int rateLimitPerHour, int maxPerPage,
                          int serverLimit, boolean legacyIntegerIds, URI kubernetesUpstream) {
        public static Options defaults() {
            byte[] t = new byte[32];
            RANDOM.nextBytes(t);
            return new Options(HexFormat.of().formatHex(t), Clock.systemUTC(), 2, Duration.ofSeconds(5), 3600, 50, 25, false, null);
        }

        public Options withToken(String token) {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, maxPerPage, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        public Options withClock(Clock clock) {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, maxPerPage, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        /** Actions finish after this many polls of them, or after {@code actionDuration}, whichever is first. */
        public Options withActionPolls(int polls) {
            return new Options(token, clock, polls, actionDuration, rateLimitPerHour, maxPerPage, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        public Options withActionDuration(Duration d) {
            return new Options(token, clock, actionPolls, d, rateLimitPerHour, maxPerPage, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        public Options withRateLimitPerHour(int limit) {
            return new Options(token, clock, actionPolls, actionDuration, limit, maxPerPage, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        /** A smaller page size than Hetzner's 50, to make clients page. */
        public Options withMaxPerPage(int max) {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, max, serverLimit, legacyIntegerIds, kubernetesUpstream);
        }

        /**
         * Errata, off by default, for older vendor clients (hcloud-go 1.x, as in Debian's hcloud-cli
         * 1.30): accept an integer image id in {@code POST /servers}, where the spec says "ID or
         * name" as a string, and the generic {@code page}/{@code per_page} on {@code GET /actions?id=},
         * which this spec subset no longer lists there. Hetzner's API accepts both. Each request that
         * needed one is listed in {@link FakeHetzner#errata()}.
         */
        public Options withLegacyIntegerIds() {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, maxPerPage, serverLimit, true, kubernetesUpstream);
        }

        /**
         * Where the Kubernetes API of booted servers is really served (e.g. fabric8's mock server at
         * {@code http://127.0.0.1:port}): each server's K3s answers the health endpoints itself over
         * TLS with our PKI and passes every other authenticated request on to it.
         */
        public Options withKubernetesUpstream(URI upstream) {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, maxPerPage, serverLimit, legacyIntegerIds, upstream);
        }

        /** The project's server limit; a create beyond it fails with {@code resource_limit_exceeded}. */
        public Options withServerLimit(int limit) {
            return new Options(token, clock, actionPolls, actionDuration, rateLimitPerHour, maxPerPage, limit, legacyIntegerIds, kubernetesUpstream);
        }
    }

    /** A server as the fake holds it, for assertions. */
    public record ServerView(long id, String name, String status, Map<String, String> labels, String ipv4, String serverType,
                             String location, String image, String userData, List<String> sshKeys, List<Long> firewalls) {
        /** Leaves out the user data: it carries CA keys. */
        @Override
        public String toString() {
            return "ServerView[id=" + id + ", name=" + name + ", status=" + status + ", labels=" + labels + ", ipv4=" + ipv4
                    + ", serverType=" + serverType + ", location=" + location + "]";
        }
    }

    /** A primary IP as the fake holds it. */
    public record PrimaryIpView(long id, String name, String ip, Optional<Long> assigneeId, boolean autoDelete, Map<String, String> labels) {
    }

    private record Fault(String method, Pattern path, String code, String message) {
    }

    private static final class FakeServer {
        long id;
        String name;
        String status = "initializing";
        Map<String, String> labels;
        String serverType;
        String location;
        String image;
        String ipv4;
        Long ipv4Id;
        String ipv6;
        Instant created;
        String userData;
        List<String> sshKeys;
        List<Long> firewalls;
        boolean hasRootPassword;
        BootReport boot;
        FakeK3s k3s;
    }

    private static final class FakeAction {
        long id;
        String command;
        String status = "running";
        int progress;
        Instant started;
        Instant finished;
        long resourceId;
        String resourceType;
        int pollsLeft;
        Runnable onSuccess;
        Fault error;
    }

    private static final class FakePrimaryIp {
        long id;
        String name;
        String ip;
        String location;
        Long assigneeId;
        boolean autoDelete;
        Map<String, String> labels;
        Instant created;
    }

    private record Named(long id, String name, Map<String, String> labels, String extra, Instant created) {
    }

    private final Options options;
    private final HetznerSpec spec;
    private final HttpServer http;
    private final ExecutorService executor;
    private final int apiPort;
    private final boolean loopbackAliases;
    private final Object lock = new Object();
    private final Map<Long, FakeServer> servers = new TreeMap<>();
    private final Map<Long, FakeAction> actions = new TreeMap<>();
    private final Map<Long, FakePrimaryIp> primaryIps = new TreeMap<>();
    private final Map<Long, Named> sshKeys = new TreeMap<>();
    private final Map<Long, Named> firewalls = new TreeMap<>();
    private final Set<String> restricted = new java.util.HashSet<>();
    private final List<Fault> faults = new ArrayList<>();
    private final List<Fault> losses = new ArrayList<>();
    private final List<Fault> missing = new ArrayList<>();
    private final List<Fault> actionFailures = new ArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> errata = new CopyOnWriteArrayList<>();
    private long nextId = 1000;
    private int nextAddress = 1;
    private int serverLimit;
    private double budget;
    private Instant budgetAt;
    private int forced429;
    private Duration forcedReset = Duration.ofSeconds(1);

    private FakeHetzner(Options options) throws IOException {
        this.options = options;
        this.serverLimit = options.serverLimit();
        this.spec = HetznerSpec.load();
        this.budget = options.rateLimitPerHour();
        this.budgetAt = options.clock().instant();
        this.loopbackAliases = canBind("127.42.0.1");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            this.apiPort = probe.getLocalPort();
        }
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-hetzner");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    public static FakeHetzner start() {
        return start(Options.defaults());
    }

    public static FakeHetzner start(Options options) {
        try {
            return new FakeHetzner(options);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fake Hetzner API", e);
        }
    }

    // ---- what tests read

    /** The API base URL, e.g. {@code http://127.0.0.1:40123/v1}. */
    public URI apiUrl() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/v1");
    }

    public String token() {
        return options.token();
    }

    /** The port to give the backend as {@code api-port}: free on every server address when the fake started. */
    public int apiPort() {
        return apiPort;
    }

    /** Every request as {@code METHOD /path?query}, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Requests or answers that broke the spec, and user data a real server would not boot from as intended. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public List<ServerView> servers() {
        synchronized (lock) {
            advance();
            return servers.values().stream().map(s -> new ServerView(s.id, s.name, s.status, Map.copyOf(s.labels), s.ipv4, s.serverType,
                    s.location, s.image, s.userData, List.copyOf(s.sshKeys), List.copyOf(s.firewalls))).toList();
        }
    }

    public List<PrimaryIpView> primaryIps() {
        synchronized (lock) {
            return primaryIps.values().stream().map(p -> new PrimaryIpView(p.id, p.name, p.ip, Optional.ofNullable(p.assigneeId), p.autoDelete,
                    Map.copyOf(p.labels))).toList();
        }
    }

    /** What the named server made of its user data, once its create action finished. */
    public Optional<BootReport> bootReport(String serverName) {
        synchronized (lock) {
            advance();
            return servers.values().stream().filter(s -> s.name.equals(serverName)).findFirst().map(s -> s.boot);
        }
    }

    /** The named server's K3s, while it runs. */
    public Optional<FakeK3s> k3s(String serverName) {
        synchronized (lock) {
            advance();
            return servers.values().stream().filter(s -> s.name.equals(serverName)).findFirst().map(s -> s.k3s);
        }
    }

    /** Requests accepted only through an erratum of {@link Options} (never in the default, strict mode). */
    public List<String> errata() {
        return List.copyOf(errata);
    }

    // ---- faults and fixtures

    /** The next {@code times} requests are answered 429 with {@code RateLimit-Remaining: 0} and a reset {@code resetIn} ahead. */
    public void rateLimitNext(int times, Duration resetIn) {
        synchronized (lock) {
            forced429 = times;
            forcedReset = resetIn;
        }
    }

    /** The next request matching method and path regex (below {@code /v1}) is answered with this Hetzner error code. */
    public void failNext(String method, String pathRegex, String code) {
        failNext(method, pathRegex, code, 1);
    }

    public void failNext(String method, String pathRegex, String code, int times) {
        synchronized (lock) {
            for (int i = 0; i < times; i++) {
                faults.add(new Fault(method, Pattern.compile(pathRegex), code, message(code)));
            }
        }
    }

    /**
     * From now on the fake behaves like an API without this endpoint (a proxy that forwards only
     * part of the API, a wrong {@code api-url}): every request matching method and path regex
     * (below {@code /v1}) is answered 404 {@code not_found}, after the usual spec checks.
     */
    public void withoutEndpoint(String method, String pathRegex) {
        synchronized (lock) {
            missing.add(new Fault(method, Pattern.compile(pathRegex), "not_found", "not found"));
        }
    }

    /** The next matching request takes effect, but its answer is lost: the connection closes without a response. */
    public void loseNextAnswer(String method, String pathRegex) {
        synchronized (lock) {
            losses.add(new Fault(method, Pattern.compile(pathRegex), "", ""));
        }
    }

    /**
     * The next action with this command ({@code create_server}, {@code delete_server}, …) ends in
     * {@code error} with this code. A failed {@code create_server} leaves the server {@code off}.
     */
    public void failNextAction(String command, String code) {
        synchronized (lock) {
            actionFailures.add(new Fault(command, Pattern.compile(".*"), code, message(code)));
        }
    }

    /** Makes a server type unorderable in a location, as when it is sold out or restricted there. */
    public void restrict(String serverType, String location) {
        synchronized (lock) {
            restricted.add(serverType + "@" + location);
        }
    }

    public void setServerLimit(int limit) {
        synchronized (lock) {
            serverLimit = limit;
        }
    }

    public long addSshKey(String name) {
        synchronized (lock) {
            long id = nextId++;
            sshKeys.put(id, new Named(id, name, Map.of(), "SHA256:" + HexFormat.of().formatHex(RANDOM.generateSeed(8)), options.clock().instant()));
            return id;
        }
    }

    public long addFirewall(String name) {
        synchronized (lock) {
            long id = nextId++;
            firewalls.put(id, new Named(id, name, Map.of(), "", options.clock().instant()));
            return id;
        }
    }

    /** Finishes every running action now, as time would. */
    public void completeAllActions() {
        synchronized (lock) {
            for (FakeAction a : new ArrayList<>(actions.values())) {
                if ("running".equals(a.status)) {
                    finish(a);
                }
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        synchronized (lock) {
            servers.values().forEach(s -> {
                if (s.k3s != null) {
                    s.k3s.close();
                }
            });
        }
    }

    // ---- HTTP

    private record Answer(int status, JsonNode body) {
    }

    private static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;
        final transient JsonNode details;

        ApiError(String code, String message, JsonNode details) {
            super(message, null, false, false);
            this.code = code;
            this.details = details;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String rawPath = uri.getRawPath();
            String rawQuery = uri.getRawQuery();
            byte[] bodyBytes = exchange.getRequestBody().readAllBytes();
            String body = new String(bodyBytes, StandardCharsets.UTF_8);
            requests.add(method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery));
            Answer answer;
            boolean lose = false;
            Map<String, String> rateHeaders;
            synchronized (lock) {
                advance();
                rateHeaders = new LinkedHashMap<>();
                boolean limited = rateLimit(rateHeaders);
                String path = rawPath.startsWith("/v1/") ? rawPath.substring(3) : null;
                HetznerSpec.Match match = null;
                try {
                    if (limited) {
                        throw new ApiError("rate_limit_exceeded", "limit of " + options.rateLimitPerHour() + " requests per hour reached", null);
                    }
                    String auth = exchange.getRequestHeaders().getFirst("Authorization");
                    if (auth == null || !auth.equals("Bearer " + options.token())) {
                        throw new ApiError("unauthorized", "unable to authenticate", null);
                    }
                    if (path == null) {
                        violations.add(method + " " + rawPath + ": not below /v1");
                        throw new ApiError("not_found", "not found", null);
                    }
                    Optional<HetznerSpec.Match> found = spec.find(method, path);
                    if (found.isEmpty()) {
                        violations.add(method + " " + path + ": no such operation in the Hetzner spec");
                        throw spec.pathExists(path) ? new ApiError("method_not_allowed", "method not allowed", null)
                                : new ApiError("not_found", "not found", null);
                    }
                    match = found.get();
                    Map<String, List<String>> query = query(rawQuery);
                    if (options.legacyIntegerIds() && "get_multiple_actions".equals(match.operation().id())
                            && (query.containsKey("page") || query.containsKey("per_page"))) {
                        errata.add(method + " " + path + ": page/per_page on GET /actions");
                        query.remove("page");
                        query.remove("per_page");
                    }
                    List<String> problems = new ArrayList<>(spec.checkParameters(match, query));
                    JsonNode json = null;
                    if (!body.isBlank()) {
                        String type = exchange.getRequestHeaders().getFirst("Content-Type");
                        if (type == null || !type.startsWith("application/json")) {
                            problems.add(method + " " + path + ": a body was sent with Content-Type " + type + ", not application/json");
                        }
                        try {
                            json = JSON.readTree(body);
                        } catch (IOException e) {
                            violations.add(method + " " + path + ": body is not JSON");
                            throw new ApiError("json_error", "invalid JSON: " + e.getMessage(), null);
                        }
                    }
                    if (options.legacyIntegerIds() && json != null && "create_server".equals(match.operation().id())
                            && json.path("image").isIntegralNumber()) {
                        errata.add(method + " " + path + ": image given as the integer " + json.path("image").asText());
                        ((ObjectNode) json).put("image", json.path("image").asText());
                        body = json.toString();
                    }
                    problems.addAll(spec.checkRequestBody(match.operation(), body));
                    if (!problems.isEmpty()) {
                        violations.addAll(problems);
                        throw new ApiError("invalid_input", "invalid input: " + String.join("; ", problems), null);
                    }
                    for (Fault m : missing) {
                        if (m.method().equalsIgnoreCase(method) && m.path().matcher(path).matches()) {
                            throw new ApiError("not_found", "not found", null);
                        }
                    }
                    Fault fault = take(faults, method, path);
                    if (fault != null) {
                        throw new ApiError(fault.code(), fault.message(), faultDetails(fault.code()));
                    }
                    answer = dispatch(match, query, json);
                    lose = take(losses, method, path) != null;
                } catch (ApiError e) {
                    ObjectNode error = JSON.createObjectNode();
                    ObjectNode err = error.putObject("error");
                    err.put("code", e.code);
                    err.put("message", e.getMessage());
                    if (e.details != null) {
                        err.set("details", e.details);
                    } else {
                        err.putNull("details");
                    }
                    answer = new Answer(STATUS.getOrDefault(e.code, 422), error);
                }
                if (match != null) {
                    String text = answer.body() == null ? "" : answer.body().toString();
                    for (String p : spec.checkResponse(match.operation(), answer.status(), text)) {
                        violations.add("the fake's own answer broke the spec: " + p);
                    }
                }
            }
            if (lose) {
                // The request took effect; the client never hears back. Closing without a response drops the connection.
                return;
            }
            rateHeaders.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            byte[] out = answer.body() == null ? new byte[0] : JSON.writeValueAsBytes(answer.body());
            if (answer.body() != null) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
            }
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        } catch (RuntimeException e) {
            violations.add("the fake failed: " + e);
            throw e;
        }
    }

    private static Fault take(List<Fault> list, String method, String path) {
        for (Iterator<Fault> it = list.iterator(); it.hasNext(); ) {
            Fault f = it.next();
            if (f.method().equalsIgnoreCase(method) && f.path().matcher(path).matches()) {
                it.remove();
                return f;
            }
        }
        return null;
    }

    /** Token bucket: {@code limit} per hour, refilled one request at a time; headers as Hetzner sends them. */
    private boolean rateLimit(Map<String, String> headers) {
        Instant now = options.clock().instant();
        int limit = options.rateLimitPerHour();
        double perSecond = limit / 3600.0;
        budget = Math.min(limit, budget + Duration.between(budgetAt, now).toMillis() / 1000.0 * perSecond);
        budgetAt = now;
        headers.put("RateLimit-Limit", Integer.toString(limit));
        if (forced429 > 0) {
            forced429--;
            headers.put("RateLimit-Remaining", "0");
            headers.put("RateLimit-Reset", Long.toString(now.plus(forcedReset).getEpochSecond()));
            return true;
        }
        boolean limited = budget < 1;
        if (!limited) {
            budget -= 1;
        }
        headers.put("RateLimit-Remaining", Long.toString((long) Math.floor(budget)));
        long secondsToFull = (long) Math.ceil((limit - budget) / perSecond);
        headers.put("RateLimit-Reset", Long.toString(now.getEpochSecond() + secondsToFull));
        return limited;
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return q;
    }

    private static String first(Map<String, List<String>> q, String key) {
        List<String> v = q.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    // ---- operations

    private Answer dispatch(HetznerSpec.Match match, Map<String, List<String>> q, JsonNode body) {
        String op = match.operation().id();
        Map<String, String> p = match.pathParams();
        return switch (op) {
            case "list_servers" -> listServers(q);
            case "create_server" -> createServer(body);
            case "get_server" -> new Answer(200, JSON.createObjectNode().set("server", serverJson(server(p.get("id")))));
            case "delete_server" -> deleteServer(server(p.get("id")));
            case "power_off_server" -> powerOff(server(p.get("id")));
            case "power_on_server" -> powerOn(server(p.get("id")));
            case "get_action" -> new Answer(200, JSON.createObjectNode().set("action", actionJson(poll(action(p.get("id"))))));
            case "get_multiple_actions" -> {
                ArrayNode list = JSON.createArrayNode();
                for (String id : q.getOrDefault("id", List.of())) {
                    FakeAction a = actions.get(Long.parseLong(id));
                    if (a != null) {
                        list.add(actionJson(poll(a)));
                    }
                }
                yield new Answer(200, JSON.createObjectNode().set("actions", list));
            }
            case "list_server_types" -> page("server_types", serverTypes(first(q, "name")), q);
            case "get_server_type" -> new Answer(200, JSON.createObjectNode().set("server_type",
                    serverTypes(null).stream().filter(t -> t.path("id").asText().equals(p.get("id"))).findFirst()
                            .orElseThrow(() -> new ApiError("not_found", "server type not found", null))));
            case "list_locations" -> page("locations", locations(first(q, "name")), q);
            case "get_location" -> new Answer(200, JSON.createObjectNode().set("location",
                    locations(null).stream().filter(l -> l.path("id").asText().equals(p.get("id"))).findFirst()
                            .orElseThrow(() -> new ApiError("not_found", "location not found", null))));
            case "list_images" -> page("images", images(first(q, "name"), first(q, "architecture")), q);
            case "get_image" -> new Answer(200, JSON.createObjectNode().set("image",
                    images(null, null).stream().filter(i -> i.path("id").asText().equals(p.get("id"))).findFirst()
                            .orElseThrow(() -> new ApiError("not_found", "image not found", null))));
            case "list_ssh_keys" -> page("ssh_keys", named(sshKeys, first(q, "name"), first(q, "label_selector"), this::sshKeyJson), q);
            case "get_ssh_key" -> new Answer(200, JSON.createObjectNode().set("ssh_key", sshKeyJson(found(sshKeys, p.get("id")))));
            case "list_firewalls" -> page("firewalls", named(firewalls, first(q, "name"), first(q, "label_selector"), this::firewallJson), q);
            case "get_firewall" -> new Answer(200, JSON.createObjectNode().set("firewall", firewallJson(found(firewalls, p.get("id")))));
            case "list_primary_ips" -> listPrimaryIps(q);
            case "create_primary_ip" -> createPrimaryIp(body);
            case "get_primary_ip" -> new Answer(200, JSON.createObjectNode().set("primary_ip", primaryIpJson(primaryIp(p.get("id")))));
            case "delete_primary_ip" -> {
                FakePrimaryIp ip = primaryIp(p.get("id"));
                if (ip.assigneeId != null) {
                    throw new ApiError("primary_ip_assigned", "primary IP is assigned to server " + ip.assigneeId, null);
                }
                primaryIps.remove(ip.id);
                yield new Answer(204, null);
            }
            default -> {
                violations.add(op + ": the fake does not implement this operation");
                throw new ApiError("server_error", "the fake Hetzner API does not implement " + op, null);
            }
        };
    }

    private Answer listServers(Map<String, List<String>> q) {
        Predicate<Map<String, String>> selector = selector(first(q, "label_selector"));
        String name = first(q, "name");
        List<String> statuses = q.getOrDefault("status", List.of());
        List<FakeServer> list = servers.values().stream()
                .filter(s -> name == null || s.name.equals(name))
                .filter(s -> selector.test(s.labels))
                .filter(s -> statuses.isEmpty() || statuses.contains(s.status))
                .sorted(sort(q.getOrDefault("sort", List.of())))
                .toList();
        return page("servers", list.stream().map(this::serverJson).toList(), q);
    }

    private static Comparator<FakeServer> sort(List<String> sorts) {
        Comparator<FakeServer> c = Comparator.comparingLong(s -> s.id);
        for (String s : sorts) {
            Comparator<FakeServer> by = s.startsWith("name") ? Comparator.comparing((FakeServer x) -> x.name)
                    : s.startsWith("created") ? Comparator.comparing((FakeServer x) -> x.created) : Comparator.comparingLong((FakeServer x) -> x.id);
            c = s.endsWith(":desc") ? by.reversed() : by;
        }
        return c;
    }

    private Predicate<Map<String, String>> selector(String text) {
        if (text == null || text.isEmpty()) {
            return l -> true;
        }
        try {
            return LabelSelector.parse(text);
        } catch (IllegalArgumentException e) {
            violations.add("label_selector '" + text + "': " + e.getMessage());
            throw new ApiError("invalid_input", e.getMessage(), fieldDetails("label_selector", e.getMessage()));
        }
    }

    private Answer createServer(JsonNode b) {
        String name = b.path("name").asText();
        if (!HOSTNAME.matcher(name).matches()) {
            throw new ApiError("invalid_input", "invalid input in field 'name'", fieldDetails("name", "is not a valid hostname"));
        }
        Map<String, String> labels = labels(b.path("labels"));
        String userData = b.path("user_data").asText("");
        if (userData.getBytes(StandardCharsets.UTF_8).length > USER_DATA_LIMIT) {
            throw new ApiError("invalid_input", "invalid input in field 'user_data'", fieldDetails("user_data", "is too long"));
        }
        ObjectNode type = serverTypes(b.path("server_type").asText()).stream().findFirst()
                .orElseThrow(() -> new ApiError("invalid_input", "invalid input in field 'server_type'", fieldDetails("server_type", "server type not found")));
        String location = b.path("location").asText(b.has("datacenter") ? b.path("datacenter").asText().replaceAll("-dc\\d+$", "") : "fsn1");
        if (locations(location).isEmpty()) {
            throw new ApiError("invalid_input", "invalid input in field 'location'", fieldDetails("location", "location not found"));
        }
        String arch = type.path("architecture").asText();
        String imageName = b.path("image").asText();
        ObjectNode image = images(null, arch).stream().filter(i -> imageName.equals(i.path("name").asText()) || imageName.equals(i.path("id").asText()))
                .findFirst().orElseThrow(() -> new ApiError("invalid_input", "invalid input in field 'image'",
                        fieldDetails("image", "image " + imageName + " not found for architecture " + arch)));
        boolean sold = false;
        for (JsonNode l : type.path("locations")) {
            sold |= l.path("name").asText().equals(location);
        }
        if (!sold || restricted.contains(type.path("name").asText() + "@" + location)) {
            throw new ApiError("resource_unavailable", "server type " + type.path("name").asText() + " is unavailable in " + location, null);
        }
        if (servers.values().stream().anyMatch(s -> s.name.equals(name))) {
            throw new ApiError("uniqueness_error", "server name is already used", fieldDetails("name", null));
        }
        if (servers.size() >= serverLimit) {
            ObjectNode details = JSON.createObjectNode();
            details.putArray("limits").addObject().put("name", "server_limit");
            throw new ApiError("resource_limit_exceeded", "server limit of " + serverLimit + " reached", details);
        }
        List<String> keys = new ArrayList<>();
        for (JsonNode k : b.path("ssh_keys")) {
            Named key = sshKeys.values().stream().filter(n -> n.name().equals(k.asText()) || Long.toString(n.id()).equals(k.asText()))
                    .findFirst().orElseThrow(() -> new ApiError("invalid_input", "invalid input in field 'ssh_keys'",
                            fieldDetails("ssh_keys", "SSH key " + k.asText() + " not found")));
            keys.add(key.name());
        }
        List<Long> fws = new ArrayList<>();
        for (JsonNode f : b.path("firewalls")) {
            long id = f.path("firewall").asLong();
            if (!firewalls.containsKey(id)) {
                throw new ApiError("invalid_input", "invalid input in field 'firewalls'", fieldDetails("firewalls", "firewall " + id + " not found"));
            }
            fws.add(id);
        }
        FakeServer s = new FakeServer();
        s.id = nextId++;
        s.name = name;
        s.labels = labels;
        s.serverType = type.path("name").asText();
        s.location = location;
        s.image = image.path("name").asText();
        s.created = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        s.userData = userData;
        s.sshKeys = keys;
        s.firewalls = fws;
        s.hasRootPassword = keys.isEmpty();
        JsonNode ipv4 = b.path("public_net").path("ipv4");
        if (ipv4.canConvertToLong()) {
            FakePrimaryIp ip = primaryIps.get(ipv4.asLong());
            if (ip == null) {
                throw new ApiError("invalid_input", "invalid input in field 'public_net.ipv4'", fieldDetails("public_net.ipv4", "primary IP not found"));
            }
            if (ip.assigneeId != null) {
                throw new ApiError("primary_ip_assigned", "primary IP is already assigned", null);
            }
            ip.assigneeId = s.id;
            s.ipv4 = ip.ip;
            s.ipv4Id = ip.id;
        } else if (!b.path("public_net").path("enable_ipv4").isBoolean() || b.path("public_net").path("enable_ipv4").asBoolean()) {
            s.ipv4 = nextAddress();
        }
        s.ipv6 = "2001:db8:42:" + Long.toHexString(s.id) + "::/64";
        servers.put(s.id, s);
        FakeAction create = newAction("create_server", s.id, () -> {
            s.status = "running";
            boot(s);
        });
        FakeAction start = newAction("start_server", s.id, () -> {
        });
        ObjectNode out = JSON.createObjectNode();
        out.set("server", serverJson(s));
        out.set("action", actionJson(create));
        out.putArray("next_actions").add(actionJson(start));
        if (s.hasRootPassword) {
            out.put("root_password", Base64.getUrlEncoder().withoutPadding().encodeToString(RANDOM.generateSeed(12)));
        } else {
            out.putNull("root_password");
        }
        return new Answer(201, out);
    }

    /** As Hetzner: stopping, then off; the fake K3s stops answering (a real server keeps its disk). */
    private Answer powerOff(FakeServer s) {
        s.status = "stopping";
        FakeAction a = newAction("stop_server", s.id, () -> {
            s.status = "off";
            if (s.k3s != null) {
                s.k3s.close();
                s.k3s = null;
            }
        });
        return new Answer(201, JSON.createObjectNode().set("action", actionJson(a)));
    }

    /** As Hetzner: starting, then running; the fake K3s boots again from the same user data (same CAs). */
    private Answer powerOn(FakeServer s) {
        boolean wasOff = "off".equals(s.status);
        s.status = "starting";
        FakeAction a = newAction("start_server", s.id, () -> {
            s.status = "running";
            if (wasOff && s.k3s == null) {
                boot(s);
            }
        });
        return new Answer(201, JSON.createObjectNode().set("action", actionJson(a)));
    }

    private Answer deleteServer(FakeServer s) {
        s.status = "deleting";
        FakeAction a = newAction("delete_server", s.id, () -> {
            servers.remove(s.id);
            if (s.k3s != null) {
                s.k3s.close();
                s.k3s = null;
            }
            for (Iterator<FakePrimaryIp> it = primaryIps.values().iterator(); it.hasNext(); ) {
                FakePrimaryIp ip = it.next();
                if (Long.valueOf(s.id).equals(ip.assigneeId)) {
                    if (ip.autoDelete) {
                        it.remove();
                    } else {
                        ip.assigneeId = null;
                    }
                }
            }
        });
        return new Answer(200, JSON.createObjectNode().set("action", actionJson(a)));
    }

    private Answer listPrimaryIps(Map<String, List<String>> q) {
        Predicate<Map<String, String>> selector = selector(first(q, "label_selector"));
        String name = first(q, "name");
        String ip = first(q, "ip");
        return page("primary_ips", primaryIps.values().stream()
                .filter(p -> name == null || p.name.equals(name))
                .filter(p -> ip == null || p.ip.equals(ip))
                .filter(p -> selector.test(p.labels))
                .map(this::primaryIpJson).toList(), q);
    }

    private Answer createPrimaryIp(JsonNode b) {
        String name = b.path("name").asText();
        if (primaryIps.values().stream().anyMatch(p -> p.name.equals(name))) {
            throw new ApiError("uniqueness_error", "primary IP name is already used", fieldDetails("name", null));
        }
        if (!"ipv4".equals(b.path("type").asText())) {
            throw new ApiError("invalid_input", "the fake only makes IPv4 primary IPs", fieldDetails("type", "only ipv4 in the fake"));
        }
        String location = b.path("location").asText("fsn1");
        if (locations(location).isEmpty()) {
            throw new ApiError("invalid_input", "invalid input in field 'location'", fieldDetails("location", "location not found"));
        }
        FakePrimaryIp p = new FakePrimaryIp();
        p.id = nextId++;
        p.name = name;
        p.ip = nextAddress();
        p.location = location;
        p.autoDelete = b.path("auto_delete").asBoolean(false);
        p.labels = labels(b.path("labels"));
        p.created = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        if (b.path("assignee_id").canConvertToLong()) {
            FakeServer s = server(b.path("assignee_id").asText());
            p.assigneeId = s.id;
        }
        primaryIps.put(p.id, p);
        ObjectNode out = JSON.createObjectNode();
        out.set("primary_ip", primaryIpJson(p));
        return new Answer(201, out);
    }

    private FakeServer server(String id) {
        FakeServer s = servers.get(parseId(id));
        if (s == null) {
            throw new ApiError("not_found", "server with ID '" + id + "' not found", null);
        }
        return s;
    }

    private FakeAction action(String id) {
        FakeAction a = actions.get(parseId(id));
        if (a == null) {
            throw new ApiError("not_found", "action with ID '" + id + "' not found", null);
        }
        return a;
    }

    private FakePrimaryIp primaryIp(String id) {
        FakePrimaryIp p = primaryIps.get(parseId(id));
        if (p == null) {
            throw new ApiError("not_found", "primary IP with ID '" + id + "' not found", null);
        }
        return p;
    }

    private static Named found(Map<Long, Named> map, String id) {
        Named n = map.get(parseId(id));
        if (n == null) {
            throw new ApiError("not_found", "not found", null);
        }
        return n;
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new ApiError("invalid_input", "invalid ID '" + id + "'", null);
        }
    }

    private Map<String, String> labels(JsonNode node) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            String prefix = slash < 0 ? null : key.substring(0, slash);
            String name = slash < 0 ? key : key.substring(slash + 1);
            boolean ok = LABEL_NAME.matcher(name).matches() && (prefix == null
                    || (prefix.length() <= 253 && HOSTNAME.matcher(prefix).matches() && !prefix.endsWith("hetzner.cloud")));
            if (!ok) {
                violations.add("label key '" + key + "' is not valid for Hetzner");
                throw new ApiError("invalid_input", "invalid input in field 'labels'", fieldDetails("labels", "invalid label key " + key));
            }
            labels.put(key, e.getValue().asText());
        }
        return labels;
    }

    private String nextAddress() {
        if (!loopbackAliases) {
            return "127.0.0.1";
        }
        int n = nextAddress++;
        return "127.42." + (n / 250) + "." + (n % 250 + 1);
    }

    // ---- actions and booting

    private FakeAction newAction(String command, long serverId, Runnable onSuccess) {
        FakeAction a = new FakeAction();
        a.id = nextId++;
        Fault failure = take(actionFailures, command, "");
        if (failure != null) {
            a.error = failure;
            // What a failed action leaves: a created server that is off; a server that was to be deleted, still running.
            String after = command.equals("create_server") ? "off" : "running";
            onSuccess = () -> servers.computeIfPresent(serverId, (k, s) -> {
                s.status = after;
                return s;
            });
        }
        a.command = command;
        a.started = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        a.resourceId = serverId;
        a.resourceType = "server";
        a.pollsLeft = options.actionPolls();
        a.onSuccess = onSuccess;
        actions.put(a.id, a);
        if (options.actionPolls() <= 0) {
            finish(a);
        }
        return a;
    }

    private FakeAction poll(FakeAction a) {
        if ("running".equals(a.status)) {
            a.pollsLeft--;
            a.progress = Math.min(99, a.progress + 50);
            if (a.pollsLeft <= 0) {
                finish(a);
            }
        }
        return a;
    }

    /** Finishes actions whose time is up, as Hetzner does whether anyone polls or not. */
    private void advance() {
        Instant now = options.clock().instant();
        for (FakeAction a : new ArrayList<>(actions.values())) {
            if ("running".equals(a.status) && !now.isBefore(a.started.plus(options.actionDuration()))) {
                finish(a);
            }
        }
    }

    private void finish(FakeAction a) {
        a.status = a.error == null ? "success" : "error";
        a.progress = 100;
        a.finished = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        a.onSuccess.run();
    }

    private void boot(FakeServer s) {
        CloudConfigBoot.Result r = CloudConfigBoot.read(s.userData);
        s.boot = r.report();
        r.report().problems().forEach(p -> violations.add("server " + s.name + ": " + p));
        if (!r.report().k3sInstalled() || s.ipv4 == null) {
            return;
        }
        Certs.Pair serverCa;
        X509Certificate clientCa;
        try {
            serverCa = r.report().ownServerCa() ? Certs.selfSignedCa("k3s-server-ca@fake")
                    : new Certs.Pair(Certs.certificate(r.contents().get(CloudConfigBoot.TLS + "server-ca.crt")),
                    Certs.privateKey(r.contents().get(CloudConfigBoot.TLS + "server-ca.key")));
            clientCa = r.report().ownClientCa() ? Certs.selfSignedCa("k3s-client-ca@fake").certificate()
                    : Certs.certificate(r.contents().get(CloudConfigBoot.TLS + "client-ca.crt"));
        } catch (IllegalArgumentException e) {
            violations.add("server " + s.name + ": K3s cannot read its CA files: " + e.getMessage());
            return;
        }
        try {
            s.k3s = FakeK3s.start(s.ipv4, r.report().apiPort(), serverCa, clientCa, r.report().tlsSans(), r.report().k3sVersion().orElse(""),
                    options.kubernetesUpstream());
        } catch (IOException e) {
            violations.add("server " + s.name + ": the fake K3s cannot listen on " + s.ipv4 + ":" + r.report().apiPort() + ": " + e.getMessage()
                    + (loopbackAliases ? "" : " (this system has no loopback aliases, so only one fake server can run at a time)"));
        }
    }

    private static boolean canBind(String address) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- JSON shapes

    private Answer page(String key, List<? extends JsonNode> items, Map<String, List<String>> q) {
        int perPage = Math.min(options.maxPerPage(), parseInt(first(q, "per_page"), 25));
        perPage = Math.max(1, Math.min(perPage, 50));
        int page = Math.max(1, parseInt(first(q, "page"), 1));
        int total = items.size();
        int last = Math.max(1, (total + perPage - 1) / perPage);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray(key);
        items.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(arr::add);
        ObjectNode pg = out.putObject("meta").putObject("pagination");
        pg.put("page", page);
        pg.put("per_page", perPage);
        if (page > 1) {
            pg.put("previous_page", page - 1);
        } else {
            pg.putNull("previous_page");
        }
        if (page < last) {
            pg.put("next_page", page + 1);
        } else {
            pg.putNull("next_page");
        }
        pg.put("last_page", last);
        pg.put("total_entries", total);
        return new Answer(200, out);
    }

    private static int parseInt(String s, int fallback) {
        try {
            return s == null ? fallback : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private ObjectNode actionJson(FakeAction a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", a.id);
        n.put("command", a.command);
        n.put("status", a.status);
        n.put("progress", a.progress);
        n.put("started", a.started.toString());
        if (a.finished == null) {
            n.putNull("finished");
        } else {
            n.put("finished", a.finished.toString());
        }
        n.putArray("resources").addObject().put("id", a.resourceId).put("type", a.resourceType);
        if (a.error != null && "error".equals(a.status)) {
            n.putObject("error").put("code", a.error.code()).put("message", a.error.message());
        } else {
            n.putNull("error");
        }
        return n;
    }

    private ObjectNode serverJson(FakeServer s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", s.id);
        n.put("name", s.name);
        n.put("status", s.status);
        n.put("created", s.created.toString());
        ObjectNode net = n.putObject("public_net");
        if (s.ipv4 == null) {
            net.putNull("ipv4");
        } else {
            ObjectNode v4 = net.putObject("ipv4");
            v4.put("ip", s.ipv4);
            v4.put("blocked", false);
            v4.put("dns_ptr", "static." + s.ipv4 + ".clients.your-server.de");
            if (s.ipv4Id != null) {
                v4.put("id", s.ipv4Id);
            }
        }
        ObjectNode v6 = net.putObject("ipv6");
        v6.put("ip", s.ipv6);
        v6.put("blocked", false);
        v6.putArray("dns_ptr");
        net.putArray("floating_ips");
        ArrayNode fws = net.putArray("firewalls");
        s.firewalls.forEach(f -> fws.addObject().put("id", f).put("status", "applied"));
        n.putArray("private_net");
        n.set("server_type", serverTypes(s.serverType).get(0));
        ObjectNode location = locations(s.location).get(0);
        ObjectNode dc = n.putObject("datacenter");
        dc.put("id", location.path("id").asLong() * 10);
        dc.put("name", s.location + "-dc1");
        dc.put("description", location.path("description").asText() + " DC 1");
        dc.set("location", location);
        ObjectNode types = dc.putObject("server_types");
        ArrayNode ids = JSON.createArrayNode();
        serverTypes(null).forEach(t -> ids.add(t.path("id").asLong()));
        types.set("supported", ids);
        types.set("available", ids.deepCopy());
        types.set("available_for_migration", ids.deepCopy());
        n.set("location", location.deepCopy());
        n.set("image", images(s.image, null).stream().findFirst().orElseThrow());
        n.putNull("iso");
        n.put("rescue_enabled", false);
        n.put("locked", false);
        n.putNull("backup_window");
        n.put("outgoing_traffic", 0);
        n.put("ingoing_traffic", 0);
        n.put("included_traffic", 21990232555520L);
        n.putObject("protection").put("delete", false).put("rebuild", false);
        n.set("labels", JSON.valueToTree(s.labels));
        n.putArray("volumes");
        n.putArray("load_balancers");
        n.put("primary_disk_size", serverTypes(s.serverType).get(0).path("disk").asInt());
        n.putNull("placement_group");
        return n;
    }

    private ObjectNode primaryIpJson(FakePrimaryIp p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", p.id);
        n.put("name", p.name);
        n.put("ip", p.ip);
        n.put("type", "ipv4");
        n.put("assignee_type", "server");
        if (p.assigneeId == null) {
            n.putNull("assignee_id");
        } else {
            n.put("assignee_id", p.assigneeId);
        }
        n.put("auto_delete", p.autoDelete);
        n.put("blocked", false);
        n.put("created", p.created.toString());
        ObjectNode location = locations(p.location).get(0);
        ObjectNode dc = n.putObject("datacenter");
        dc.put("id", location.path("id").asLong() * 10);
        dc.put("name", p.location + "-dc1");
        dc.put("description", location.path("description").asText() + " DC 1");
        dc.set("location", location);
        ObjectNode types = dc.putObject("server_types");
        types.putArray("supported");
        types.putArray("available");
        types.putArray("available_for_migration");
        n.set("location", location.deepCopy());
        n.putArray("dns_ptr").addObject().put("ip", p.ip).put("dns_ptr", "static." + p.ip + ".clients.your-server.de");
        n.putObject("protection").put("delete", false);
        n.set("labels", JSON.valueToTree(p.labels));
        return n;
    }

    private ObjectNode sshKeyJson(Named k) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", k.id());
        n.put("name", k.name());
        n.put("fingerprint", k.extra());
        n.put("public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake " + k.name());
        n.put("created", k.created().toString());
        n.set("labels", JSON.valueToTree(k.labels()));
        return n;
    }

    private ObjectNode firewallJson(Named f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", f.id());
        n.put("name", f.name());
        n.put("created", f.created().toString());
        n.set("labels", JSON.valueToTree(f.labels()));
        n.putArray("rules");
        ArrayNode applied = n.putArray("applied_to");
        servers.values().stream().filter(s -> s.firewalls.contains(f.id()))
                .forEach(s -> applied.addObject().put("type", "server").putObject("server").put("id", s.id));
        return n;
    }

    private List<ObjectNode> named(Map<Long, Named> map, String name, String selector, java.util.function.Function<Named, ObjectNode> json) {
        Predicate<Map<String, String>> sel = selector(selector);
        return map.values().stream().filter(n -> name == null || n.name().equals(name)).filter(n -> sel.test(n.labels())).map(json).toList();
    }

    // ---- catalogue (prices are illustrative, in the shape Hetzner sends them)

    private record LocationSeed(long id, String name, String description, String city, String country, double lat, double lon, String zone) {
    }

    private record TypeSeed(long id, String name, String description, int cores, double memory, int disk, String cpuType, String arch,
                            String hourlyNet, String monthlyNet, List<String> locations) {
    }

    private static final List<LocationSeed> LOCATIONS = List.of(
            new LocationSeed(1, "fsn1", "Falkenstein DC Park 1", "Falkenstein", "DE", 50.47612, 12.370071, "eu-central"),
            new LocationSeed(2, "nbg1", "Nuremberg DC Park 1", "Nuremberg", "DE", 49.452102, 11.076665, "eu-central"),
            new LocationSeed(3, "hel1", "Helsinki DC Park 1", "Helsinki", "FI", 60.169855, 24.938379, "eu-central"),
            new LocationSeed(4, "ash", "Ashburn, VA", "Ashburn, VA", "US", 39.045821, -77.487073, "us-east"),
            new LocationSeed(5, "hil", "Hillsboro, OR", "Hillsboro, OR", "US", 45.54222, -122.95194, "us-west"),
            new LocationSeed(6, "sin", "Singapore", "Singapore", "SG", 1.283333, 103.833333, "ap-southeast"));
    private static final List<String> ALL = List.of("fsn1", "nbg1", "hel1", "ash", "hil", "sin");
    private static final List<String> EU = List.of("fsn1", "nbg1", "hel1");
    private static final List<TypeSeed> TYPES = List.of(
            new TypeSeed(22, "cpx11", "CPX 11", 2, 2, 40, "shared", "x86", "0.0072", "4.4900", ALL),
            new TypeSeed(23, "cpx21", "CPX 21", 3, 4, 80, "shared", "x86", "0.0128", "7.9900", ALL),
            new TypeSeed(24, "cpx31", "CPX 31", 4, 8, 160, "shared", "x86", "0.0224", "13.9900", ALL),
            new TypeSeed(45, "cax11", "CAX11", 2, 4, 40, "shared", "arm", "0.0064", "3.9900", EU),
            new TypeSeed(96, "ccx13", "CCX13", 2, 8, 80, "dedicated", "x86", "0.0208", "12.9900", ALL));

    private static List<ObjectNode> locations(String name) {
        List<ObjectNode> out = new ArrayList<>();
        for (LocationSeed l : LOCATIONS) {
            if (name != null && !name.equals(l.name())) {
                continue;
            }
            ObjectNode n = JSON.createObjectNode();
            n.put("id", l.id());
            n.put("name", l.name());
            n.put("description", l.description());
            n.put("city", l.city());
            n.put("country", l.country());
            n.put("latitude", l.lat());
            n.put("longitude", l.lon());
            n.put("network_zone", l.zone());
            out.add(n);
        }
        return out;
    }

    private static List<ObjectNode> serverTypes(String name) {
        List<ObjectNode> out = new ArrayList<>();
        for (TypeSeed t : TYPES) {
            if (name != null && !name.equals(t.name()) && !name.equals(Long.toString(t.id()))) {
                continue;
            }
            ObjectNode n = JSON.createObjectNode();
            n.put("id", t.id());
            n.put("name", t.name());
            n.put("description", t.description());
            n.put("category", t.cpuType().equals("dedicated") ? "dedicated" : "shared");
            n.put("cores", t.cores());
            n.put("memory", t.memory());
            n.put("disk", t.disk());
            n.put("deprecated", false);
            n.putNull("deprecation");
            n.put("cpu_type", t.cpuType());
            n.put("architecture", t.arch());
            n.put("storage_type", "local");
            ArrayNode locs = n.putArray("locations");
            ArrayNode prices = n.putArray("prices");
            for (String l : t.locations()) {
                LocationSeed seed = LOCATIONS.stream().filter(x -> x.name().equals(l)).findFirst().orElseThrow();
                ObjectNode loc = locs.addObject();
                loc.put("id", seed.id());
                loc.put("name", l);
                loc.putNull("deprecation");
                ObjectNode p = prices.addObject();
                p.put("location", l);
                p.put("included_traffic", l.equals("sin") || l.equals("ash") || l.equals("hil") ? 1099511627776L : 21990232555520L);
                p.set("price_hourly", price(t.hourlyNet()));
                p.set("price_monthly", price(t.monthlyNet()));
                p.set("price_per_tb_traffic", price("1.0000"));
            }
            out.add(n);
        }
        return out;
    }

    private static ObjectNode price(String net) {
        ObjectNode p = JSON.createObjectNode();
        java.math.BigDecimal n = new java.math.BigDecimal(net);
        p.put("net", net);
        p.put("gross", n.multiply(new java.math.BigDecimal("1.19")).setScale(net.length() - net.indexOf('.') - 1, java.math.RoundingMode.HALF_UP).toPlainString());
        return p;
    }

    private static List<ObjectNode> images(String name, String arch) {
        String[][] seeds = {
                {"161547269", "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "x86"},
                {"161547270", "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "arm"},
                {"67794396", "ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04", "x86"},
                {"114690387", "debian-12", "Debian 12", "debian", "12", "x86"},
                {"114690389", "debian-12", "Debian 12", "debian", "12", "arm"}};
        List<ObjectNode> out = new ArrayList<>();
        for (String[] s : seeds) {
            if ((name != null && !name.equals(s[1])) || (arch != null && !arch.equals(s[5]))) {
                continue;
            }
            ObjectNode n = JSON.createObjectNode();
            n.put("id", Long.parseLong(s[0]));
            n.put("type", "system");
            n.put("status", "available");
            n.put("name", s[1]);
            n.put("description", s[2]);
            n.putNull("image_size");
            n.put("disk_size", 5);
            n.put("created", "2024-04-25T00:00:00Z");
            n.putNull("created_from");
            n.putNull("bound_to");
            n.put("os_flavor", s[3]);
            n.put("os_version", s[4]);
            n.put("rapid_deploy", true);
            n.putObject("protection").put("delete", false);
            n.putNull("deprecated");
            n.putNull("deleted");
            n.putObject("labels");
            n.put("architecture", s[5]);
            out.add(n);
        }
        return out;
    }

    // ---- errors

    private static String message(String code) {
        return switch (code) {
            case "resource_limit_exceeded" -> "project limit exceeded";
            case "server_limit_exceeded" -> "server limit exceeded";
            case "locked" -> "server is locked by another action";
            case "conflict" -> "the resource has changed during the request, please retry";
            case "rate_limit_exceeded" -> "rate limit exceeded";
            case "resource_unavailable" -> "the requested resource is currently unavailable";
            case "uniqueness_error" -> "one or more of the objects fields must be unique";
            default -> code.replace('_', ' ');
        };
    }

    private static JsonNode faultDetails(String code) {
        if (code.equals("resource_limit_exceeded")) {
            ObjectNode d = JSON.createObjectNode();
            d.putArray("limits").addObject().put("name", "project_limit");
            return d;
        }
        if (code.equals("uniqueness_error")) {
            return fieldDetails("name", null);
        }
        return null;
    }

    private static JsonNode fieldDetails(String field, String message) {
        ObjectNode d = JSON.createObjectNode();
        ObjectNode f = d.putArray("fields").addObject();
        f.put("name", field);
        if (message != null) {
            f.putArray("messages").add(message);
        }
        return d;
    }
}
