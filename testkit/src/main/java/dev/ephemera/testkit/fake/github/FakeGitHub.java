package dev.ephemera.testkit.fake.github;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake GitHub REST API on 127.0.0.1 for the endpoints Ephemera uses: App authentication (JWTs
 * verified with the App's public key, installation tokens with {@code expires_at}), plain tokens,
 * Actions secrets for repositories and environments (each sealed box opened with the fake's own
 * X25519 key, so tests read the plaintext), environments, issue comments with pagination whose
 * {@code Link} headers point at {@code /repositories/{id}/...} as GitHub's do, commit statuses,
 * permission checks, and injected faults (rate limits, 401, 403, 5xx).
 *
 * <p>Every request body is checked against the request schema of its operation in GitHub's
 * OpenAPI description; a body that does not conform is answered 422 and recorded in
 * {@link #violations()}. The fake's own answers are checked against the response schemas too,
 * so the fake cannot drift from the spec unnoticed. Tests assert {@code violations()} is empty.
 */
public final class FakeGitHub implements AutoCloseable {
    /** Operations the adapter and its users call that the spec subset does not describe; they carry no body. */
    private static final List<Extra> EXTRAS = List.of(
            new Extra("GET", Pattern.compile("/app"), "apps/get-authenticated"),
            new Extra("GET", Pattern.compile("/user"), "users/get-authenticated"),
            new Extra("GET", Pattern.compile("/rate_limit"), "rate-limit/get"),
            new Extra("DELETE", Pattern.compile("/repos/([^/]+)/([^/]+)/environments/([^/]+)/secrets/([^/]+)"), "actions/delete-environment-secret"),
            new Extra("GET", Pattern.compile("/repositories/([0-9]+)/issues/([0-9]+)/comments"), "issues/list-comments"),
            new Extra("GET", Pattern.compile("/repos/([^/]+)/([^/]+)"), "repos/get"));
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_SECRET_BYTES = 48 * 1024;
    private static final String DOCS = "https://docs.github.com/rest";

    private final ObjectMapper mapper = new ObjectMapper();
    private final GitHubSpec spec;
    private final Supplier<Instant> clock;
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService executor;
    private final FakeGitHubApp app;
    private final String baseUrl;

    private final Map<String, Repository> repositories = new TreeMap<>();
    private final Map<Long, Installation> installations = new LinkedHashMap<>();
    private final Map<String, Principal> tokens = new HashMap<>();
    private final List<Fault.Armed> faults = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final List<Request> requests = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong(1_000);
    private long rateRemaining = 5_000;

    /** One request as the fake saw it. */
    public record Request(String method, String path, String query, int status, String principal, String operation) {
    }

    private record Extra(String method, Pattern path, String id) {
    }

    /** Who a request authenticated as. */
    private record Principal(String kind, String login, long installation, Set<String> repositories, Instant expiresAt) {
        String describe() {
            return kind.equals("installation") ? "installation " + installation : kind + " " + login;
        }
    }

    private FakeGitHub(Supplier<Instant> clock) {
        this.clock = clock;
        this.spec = GitHubSpec.load();
        this.app = sharedApp();
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the fake GitHub to loopback", e);
        }
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-github");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static FakeGitHubApp shared;

    /** One App (and RSA key pair) for every fake in the JVM: generating a 2048-bit key per test is slow and proves nothing. */
    private static synchronized FakeGitHubApp sharedApp() {
        if (shared == null) {
            shared = new FakeGitHubApp(424242, "Iv23liEphemeraFake01", "ephemera-test");
        }
        return shared;
    }

    /** Starts a fake on an ephemeral loopback port, on the system clock. */
    public static FakeGitHub start() {
        return new FakeGitHub(Instant::now);
    }

    /** Starts a fake whose notion of now (token expiry, JWT checks, rate-limit resets) comes from {@code clock}. */
    public static FakeGitHub start(Clock clock) {
        return new FakeGitHub(clock::instant);
    }

    /** The API root, e.g. {@code http://127.0.0.1:41234}; give it as {@code github.api-url}. */
    public String baseUrl() {
        return baseUrl;
    }

    public FakeGitHubApp app() {
        return app;
    }

    public GitHubSpec spec() {
        return spec;
    }

    // ---------------------------------------------------------------- set-up

    /** Adds a repository ({@code OWNER/NAME}) or returns the one there. */
    public synchronized Repository addRepository(String fullName) {
        return repositories.computeIfAbsent(fullName.toLowerCase(Locale.ROOT), k -> new Repository(ids.incrementAndGet(), fullName));
    }

    public synchronized Repository repository(String fullName) {
        Repository r = repositories.get(fullName.toLowerCase(Locale.ROOT));
        if (r == null) {
            throw new IllegalArgumentException("the fake has no repository " + fullName);
        }
        return r;
    }

    /** Installs the App on an account for the given repositories (added if new), with every permission Ephemera needs. */
    public synchronized Installation install(String account, String... repositoryNames) {
        Installation i = new Installation(ids.incrementAndGet(), account);
        for (String r : repositoryNames) {
            addRepository(r);
            i.repositories.add(r.toLowerCase(Locale.ROOT));
        }
        installations.put(i.id, i);
        return i;
    }

    /** A plain token (a personal access token, or Actions' GITHUB_TOKEN) acting as {@code login} on the given repositories. */
    public synchronized String addToken(String login, String... repositoryNames) {
        Set<String> repos = new TreeSet<>();
        for (String r : repositoryNames) {
            addRepository(r);
            repos.add(r.toLowerCase(Locale.ROOT));
        }
        String token = "github_pat_" + randomText(60);
        tokens.put(token, new Principal("user", login, 0, repos, Instant.MAX));
        return token;
    }

    /** Makes the next {@code times} requests matching {@code method} (null: any) and the path regex answer with {@code fault}. */
    public synchronized void inject(String method, String pathRegex, Fault fault, int times) {
        faults.add(new Fault.Armed(method, Pattern.compile(pathRegex), fault, times));
    }

    /** Spec violations seen so far: bad request bodies, unknown endpoints, and answers of the fake that broke the spec. */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests went to an operation, e.g. {@code apps/create-installation-access-token}. */
    public synchronized long count(String operation) {
        return requests.stream().filter(r -> operation.equals(r.operation())).count();
    }

    // ---------------------------------------------------------------- state handles

    /** An installation of the App. */
    public final class Installation {
        private final long id;
        private final String account;
        private final Set<String> repositories = new TreeSet<>();
        private final Map<String, String> permissions = new TreeMap<>(Map.of(
                "secrets", "write", "environments", "write", "administration", "write", "issues", "write",
                "pull_requests", "write", "statuses", "write", "checks", "write", "contents", "write", "metadata", "read"));

        Installation(long id, String account) {
            this.id = id;
            this.account = account;
        }

        public long id() {
            return id;
        }

        /** Takes a permission away (as an owner who did not accept the App's new permissions would leave it). */
        public Installation revoke(String permission) {
            synchronized (FakeGitHub.this) {
                permissions.remove(permission);
            }
            return this;
        }
    }

    /** A comment as stored. */
    public record Comment(long id, int issue, String body, String login, String userType, Instant createdAt, Instant updatedAt) {
    }

    /** A commit status as stored. */
    public record Status(long id, String sha, String state, String context, String description, String targetUrl, String creator) {
    }

    /** A repository with its secrets, environments, pull requests, comments and statuses. */
    public final class Repository {
        private final long id;
        private final String fullName;
        private final Map<String, Secrets> environments = new TreeMap<>();
        private final Map<String, Instant> environmentCreated = new TreeMap<>();
        private final Secrets secrets = new Secrets();
        private final Set<Integer> issues = new TreeSet<>();
        private final List<Comment> comments = new ArrayList<>();
        private final List<Status> statuses = new ArrayList<>();

        Repository(long id, String fullName) {
            this.id = id;
            this.fullName = fullName;
        }

        public long id() {
            return id;
        }

        public String fullName() {
            return fullName;
        }

        public Repository addPullRequest(int number) {
            synchronized (FakeGitHub.this) {
                issues.add(number);
            }
            return this;
        }

        /** Adds {@code count} comments by {@code login} (a person, unless the login ends in {@code [bot]}). */
        public Repository seedComments(int number, int count, String login, String bodyPrefix) {
            synchronized (FakeGitHub.this) {
                issues.add(number);
                for (int i = 0; i < count; i++) {
                    Instant now = now();
                    comments.add(new Comment(ids.incrementAndGet(), number, bodyPrefix + " " + i, login,
                            login.endsWith("[bot]") ? "Bot" : "User", now, now));
                }
            }
            return this;
        }

        /** Adds one comment by {@code login} and returns its id. */
        public long addComment(int number, String login, String body) {
            synchronized (FakeGitHub.this) {
                issues.add(number);
                Instant now = now();
                long cid = ids.incrementAndGet();
                comments.add(new Comment(cid, number, body, login, login.endsWith("[bot]") ? "Bot" : "User", now, now));
                return cid;
            }
        }

        public List<Comment> comments(int number) {
            synchronized (FakeGitHub.this) {
                return comments.stream().filter(c -> c.issue() == number).toList();
            }
        }

        public List<Status> statuses() {
            synchronized (FakeGitHub.this) {
                return List.copyOf(statuses);
            }
        }

        /** The plaintext of a repository secret, as the fake opened it. */
        public Optional<byte[]> secret(String name) {
            synchronized (FakeGitHub.this) {
                return Optional.ofNullable(secrets.values.get(name.toUpperCase(Locale.ROOT))).map(byte[]::clone);
            }
        }

        public Optional<byte[]> environmentSecret(String environment, String name) {
            synchronized (FakeGitHub.this) {
                Secrets s = environments.get(environment.toLowerCase(Locale.ROOT));
                return s == null ? Optional.empty() : Optional.ofNullable(s.values.get(name.toUpperCase(Locale.ROOT))).map(byte[]::clone);
            }
        }

        public Set<String> environments() {
            synchronized (FakeGitHub.this) {
                return Set.copyOf(environments.keySet());
            }
        }

        public Repository addEnvironment(String name) {
            synchronized (FakeGitHub.this) {
                environments.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new Secrets());
                environmentCreated.putIfAbsent(name.toLowerCase(Locale.ROOT), now());
            }
            return this;
        }

        /** The current public key for repository secrets (base64-free raw bytes), for sealing outside the adapter. */
        public byte[] secretsPublicKey() {
            synchronized (FakeGitHub.this) {
                return secrets.opener.publicKey();
            }
        }

        public String secretsKeyId() {
            synchronized (FakeGitHub.this) {
                return secrets.keyId;
            }
        }

        /** Replaces the repository's secrets key pair, as GitHub may: boxes sealed for the old key are then refused. */
        public void rotateSecretsKey() {
            synchronized (FakeGitHub.this) {
                secrets.rotate();
            }
        }
    }

    /** The secrets of a repository or an environment, with their sealing key. */
    private final class Secrets {
        private SealedBoxOpener opener;
        private String keyId;
        private final Map<String, byte[]> values = new TreeMap<>();

        Secrets() {
            rotate();
        }

        void rotate() {
            opener = new SealedBoxOpener(random);
            keyId = String.valueOf(568_250_167_242_549_743L + ids.incrementAndGet());
        }
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) {
        try (ex) {
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = ex.getRequestURI().getRawPath();
            String query = Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse("");
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Answer a;
            String principal = "-";
            String operation = "-";
            synchronized (this) {
                Exchange x = new Exchange(method, path, query, body, ex);
                a = serve(x);
                principal = x.principal == null ? "-" : x.principal.describe();
                operation = x.operation;
                requests.add(new Request(method, path, query, a.status, principal, operation));
                if (x.op != null && a.body != null && !x.faulted) {
                    List<String> bad = spec.checkResponse(x.op, a.status, a.body);
                    if (!bad.isEmpty() && a.status < 300) {
                        violations.add("the fake's own answer broke the spec: " + bad);
                    }
                }
                rateRemaining = Math.max(0, rateRemaining - 1);
                ex.getResponseHeaders().putIfAbsent("x-ratelimit-limit", List.of("5000"));
                ex.getResponseHeaders().putIfAbsent("x-ratelimit-remaining", List.of(String.valueOf(rateRemaining)));
                ex.getResponseHeaders().putIfAbsent("x-ratelimit-used", List.of(String.valueOf(5000 - rateRemaining)));
                ex.getResponseHeaders().putIfAbsent("x-ratelimit-reset", List.of(String.valueOf(now().plus(Duration.ofHours(1)).getEpochSecond())));
                ex.getResponseHeaders().putIfAbsent("x-ratelimit-resource", List.of("core"));
                ex.getResponseHeaders().add("x-github-api-version-selected", "2022-11-28");
                ex.getResponseHeaders().add("x-github-request-id", Long.toHexString(ids.incrementAndGet()).toUpperCase(Locale.ROOT));
            }
            byte[] out = a.body == null ? new byte[0] : a.body.getBytes(StandardCharsets.UTF_8);
            if (a.body != null) {
                ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            }
            ex.sendResponseHeaders(a.status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        } catch (RuntimeException e) {
            synchronized (this) {
                violations.add("the fake failed on " + ex.getRequestMethod() + " " + ex.getRequestURI() + ": " + e);
            }
            try {
                ex.sendResponseHeaders(500, -1);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private record Answer(int status, String body) {
    }

    /** One request being served, with what was learned about it on the way. */
    private final class Exchange {
        final String method;
        final String path;
        final String query;
        final String body;
        final HttpExchange http;
        Principal principal;
        GitHubSpec.Operation op;
        String operation = "-";
        boolean faulted;

        Exchange(String method, String path, String query, String body, HttpExchange http) {
            this.method = method;
            this.path = path;
            this.query = query;
            this.body = body;
            this.http = http;
        }

        String header(String name) {
            return http.getRequestHeaders().getFirst(name);
        }

        void setHeader(String name, String value) {
            http.getResponseHeaders().set(name, value);
        }
    }

    private Answer serve(Exchange x) {
        if (x.header("User-Agent") == null || x.header("User-Agent").isBlank()) {
            // GitHub refuses requests without a User-Agent.
            return error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
        }
        for (Fault.Armed f : faults) {
            if (f.matches(x.method, x.path)) {
                f.remaining--;
                x.faulted = true;
                x.operation = "fault";
                f.fault.headersAt(now()).forEach(x::setHeader);
                ObjectNode b = mapper.createObjectNode().put("message", f.fault.message).put("documentation_url", f.fault.documentationUrl);
                if (f.fault.status == 401 || f.fault.status == 403) {
                    b.put("status", String.valueOf(f.fault.status));
                }
                return new Answer(f.fault.status, b.toString());
            }
        }
        Optional<Map.Entry<GitHubSpec.Operation, Map<String, String>>> found = spec.find(x.method, x.path);
        if (found.isPresent()) {
            x.op = found.get().getKey();
            x.operation = x.op.id();
            List<String> bad = spec.checkRequest(x.op, x.body);
            if (!bad.isEmpty()) {
                violations.addAll(bad);
                return validationFailed(String.join("; ", bad));
            }
            return dispatch(x, x.op.id(), found.get().getValue());
        }
        for (Extra e : EXTRAS) {
            Matcher m = e.path().matcher(x.path);
            if (e.method().equals(x.method) && m.matches()) {
                x.operation = e.id();
                if (!x.body.isBlank()) {
                    violations.add(e.id() + ": a body was sent where GitHub takes none");
                }
                return extra(x, e.id(), m);
            }
        }
        violations.add("no operation in the GitHub spec (or the fake's short list of extras) for " + x.method + " " + x.path);
        return error(404, "Not Found");
    }

    private Answer dispatch(Exchange x, String id, Map<String, String> p) {
        switch (id) {
            case "apps/create-installation-access-token":
                return createAccessToken(x, p.get("installation_id"));
            case "apps/get-repo-installation":
                return repoInstallation(x, p.get("owner") + "/" + p.get("repo"));
            default:
                break;
        }
        Repository repo = repositories.get((p.get("owner") + "/" + p.get("repo")).toLowerCase(Locale.ROOT));
        Optional<Answer> denied = authorizeRepo(x, repo, id);
        if (denied.isPresent()) {
            return denied.get();
        }
        return switch (id) {
            case "actions/get-repo-public-key" -> publicKey(repo.secrets);
            case "actions/create-or-update-repo-secret" -> putSecret(x, repo.secrets, p.get("secret_name"));
            case "actions/delete-repo-secret" -> deleteSecret(repo.secrets, p.get("secret_name"));
            case "actions/get-environment-public-key" -> environment(repo, p.get("environment_name")).map(this::publicKey)
                    .orElseGet(() -> error(404, "Not Found"));
            case "actions/create-or-update-environment-secret" -> environment(repo, p.get("environment_name"))
                    .map(s -> putSecret(x, s, p.get("secret_name"))).orElseGet(() -> error(404, "Not Found"));
            case "repos/create-or-update-environment" -> putEnvironment(repo, p.get("environment_name"));
            case "issues/list-comments" -> listComments(x, repo, Integer.parseInt(p.get("issue_number")));
            case "issues/create-comment" -> createComment(x, repo, Integer.parseInt(p.get("issue_number")));
            case "issues/update-comment" -> updateComment(x, repo, Long.parseLong(p.get("comment_id")));
            case "repos/create-commit-status" -> createStatus(x, repo, p.get("sha"));
            default -> {
                violations.add("the fake does not implement " + id + " (" + x.method + " " + x.path + ")");
                yield error(501, "the fake does not implement " + id);
            }
        };
    }

    private Answer extra(Exchange x, String id, Matcher m) {
        switch (id) {
            case "apps/get-authenticated": {
                Optional<Answer> denied = requireJwt(x);
                if (denied.isPresent()) {
                    return denied.get();
                }
                ObjectNode a = mapper.createObjectNode();
                a.put("id", app.id()).put("slug", app.slug()).put("client_id", app.clientId()).put("node_id", "A_" + app.id())
                        .put("name", "Ephemera (test)").put("description", "fake").put("external_url", "https://ephemera.invalid")
                        .put("html_url", "https://github.com/apps/" + app.slug()).put("created_at", iso(now())).put("updated_at", iso(now()));
                a.set("owner", user("acme", "Organization"));
                a.set("permissions", mapper.createObjectNode().put("secrets", "write").put("issues", "write"));
                a.set("events", mapper.createArrayNode().add("pull_request"));
                return new Answer(200, a.toString());
            }
            case "rate-limit/get": {
                // https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user
                // Any valid token may ask; the call does not count against the limit.
                Optional<Principal> who = bearer(x).flatMap(this::principal);
                if (who.isEmpty()) {
                    return error(401, "Bad credentials");
                }
                x.principal = who.get();
                long reset = now().getEpochSecond() + 3600;
                ObjectNode core = mapper.createObjectNode().put("limit", 5000).put("used", 0).put("remaining", 5000).put("reset", reset);
                ObjectNode body = mapper.createObjectNode();
                body.putObject("resources").set("core", core);
                body.set("rate", core.deepCopy());
                return new Answer(200, body.toString());
            }
            case "users/get-authenticated": {
                Optional<Principal> who = bearer(x).flatMap(this::principal);
                if (who.isEmpty()) {
                    return error(401, "Requires authentication");
                }
                x.principal = who.get();
                if (!who.get().kind().equals("user")) {
                    return error(403, "Resource not accessible by integration");
                }
                return new Answer(200, user(who.get().login(), "User").toString());
            }
            case "actions/delete-environment-secret": {
                Repository repo = repositories.get((m.group(1) + "/" + m.group(2)).toLowerCase(Locale.ROOT));
                Optional<Answer> denied = authorizeRepo(x, repo, id);
                if (denied.isPresent()) {
                    return denied.get();
                }
                String env = URLDecoder.decode(m.group(3), StandardCharsets.UTF_8);
                return environment(repo, env).map(s -> deleteSecret(s, m.group(4))).orElseGet(() -> error(404, "Not Found"));
            }
            case "issues/list-comments": {
                long repoId = Long.parseLong(m.group(1));
                Repository repo = repositories.values().stream().filter(r -> r.id == repoId).findFirst().orElse(null);
                Optional<Answer> denied = authorizeRepo(x, repo, id);
                if (denied.isPresent()) {
                    return denied.get();
                }
                return listComments(x, repo, Integer.parseInt(m.group(2)));
            }
            case "repos/get": {
                Repository repo = repositories.get((m.group(1) + "/" + m.group(2)).toLowerCase(Locale.ROOT));
                Optional<Answer> denied = authorizeRepo(x, repo, id);
                if (denied.isPresent()) {
                    return denied.get();
                }
                return new Answer(200, repositoryJson(repo).toString());
            }
            default:
                return error(404, "Not Found");
        }
    }

    // ---------------------------------------------------------------- authentication

    private Optional<String> bearer(Exchange x) {
        String h = x.header("Authorization");
        if (h == null) {
            return Optional.empty();
        }
        String t = h.trim();
        if (t.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(t.substring(7).trim());
        }
        if (t.regionMatches(true, 0, "token ", 0, 6)) {
            return Optional.of(t.substring(6).trim());
        }
        return Optional.empty();
    }

    private Optional<Principal> principal(String token) {
        Principal p = tokens.get(token);
        if (p == null || !now().isBefore(p.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(p);
    }

    /** Checks an App JWT as GitHub does; returns the refusal, or empty when it is good. */
    private Optional<Answer> requireJwt(Exchange x) {
        Optional<String> token = bearer(x);
        if (token.isEmpty()) {
            return Optional.of(error(401, "A JSON web token could not be decoded"));
        }
        DecodedJWT jwt;
        try {
            jwt = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(app.publicKey(), null)).acceptLeeway(0))
                    .build(Clock.fixed(now(), java.time.ZoneOffset.UTC)).verify(token.get());
        } catch (JWTVerificationException e) {
            return Optional.of(error(401, "A JSON web token could not be decoded (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
        }
        Claim iss = jwt.getClaim("iss");
        String issuer = iss.isMissing() || iss.isNull() ? "" : iss.asString() != null ? iss.asString() : String.valueOf(iss.asLong());
        if (!issuer.equals(String.valueOf(app.id())) && !issuer.equals(app.clientId())) {
            return Optional.of(error(401, "'Issuer' claim ('iss') must be the app id or client id of an App; got '" + issuer + "'"));
        }
        Claim iat = jwt.getClaim("iat");
        Claim exp = jwt.getClaim("exp");
        if (iat.isMissing() || exp.isMissing() || iat.asLong() == null || exp.asLong() == null) {
            return Optional.of(error(401, "'Issued at' and 'Expiration time' claims must be integers"));
        }
        long nowS = now().getEpochSecond();
        if (exp.asLong() > nowS + 600) {
            return Optional.of(error(401, "'Expiration time' claim ('exp') is too far in the future"));
        }
        if (iat.asLong() > nowS + 60) {
            return Optional.of(error(401, "'Issued at' claim ('iat') must be an Integer representing a time in the past"));
        }
        x.principal = new Principal("app", app.botLogin(), 0, Set.of(), Instant.MAX);
        return Optional.empty();
    }

    /** Checks the request may act on {@code repo} and has the permission the operation needs. */
    private Optional<Answer> authorizeRepo(Exchange x, Repository repo, String operation) {
        Optional<String> token = bearer(x);
        if (token.isEmpty()) {
            return Optional.of(error(401, "Requires authentication"));
        }
        if (token.get().chars().filter(c -> c == '.').count() == 2 && token.get().startsWith("ey")) {
            return Optional.of(error(401, "A JSON web token cannot be used here: use an installation token"));
        }
        Optional<Principal> who = principal(token.get());
        if (who.isEmpty()) {
            return Optional.of(error(401, "Bad credentials"));
        }
        x.principal = who.get();
        if (repo == null || !canSee(who.get(), repo)) {
            return Optional.of(error(404, "Not Found"));
        }
        if (who.get().kind().equals("installation")) {
            Installation inst = installations.get(who.get().installation());
            List<String> needed = permissionsFor(operation, x.method);
            boolean ok = needed.isEmpty() || needed.stream().anyMatch(n -> {
                String[] pl = n.split("=");
                String has = inst.permissions.get(pl[0]);
                return has != null && (pl[1].equals("read") || has.equals("write"));
            });
            if (!ok) {
                x.setHeader("x-accepted-github-permissions", String.join("; ", needed));
                return Optional.of(error(403, "Resource not accessible by integration"));
            }
        }
        return Optional.empty();
    }

    private boolean canSee(Principal p, Repository repo) {
        String key = repo.fullName.toLowerCase(Locale.ROOT);
        if (p.kind().equals("installation")) {
            Installation i = installations.get(p.installation());
            return i != null && i.repositories.contains(key) && p.repositories().contains(key);
        }
        return p.repositories().contains(key);
    }

    private static List<String> permissionsFor(String operation, String method) {
        return switch (operation) {
            case "actions/get-repo-public-key", "actions/get-environment-public-key" -> List.of("secrets=read");
            case "actions/create-or-update-repo-secret", "actions/delete-repo-secret", "actions/create-or-update-environment-secret",
                 "actions/delete-environment-secret" -> List.of("secrets=write");
            case "repos/create-or-update-environment" -> List.of("administration=write");
            case "issues/list-comments" -> List.of("issues=read", "pull_requests=read");
            case "issues/create-comment", "issues/update-comment" -> List.of("issues=write", "pull_requests=write");
            case "repos/create-commit-status" -> List.of("statuses=write");
            default -> List.of("metadata=read");
        };
    }

    private Answer createAccessToken(Exchange x, String installationId) {
        Optional<Answer> denied = requireJwt(x);
        if (denied.isPresent()) {
            return denied.get();
        }
        Installation i;
        try {
            i = installations.get(Long.parseLong(installationId));
        } catch (NumberFormatException e) {
            i = null;
        }
        if (i == null) {
            return error(404, "Not Found");
        }
        Set<String> scope = new TreeSet<>(i.repositories);
        if (!x.body.isBlank()) {
            JsonNode req = json(x.body);
            if (req.has("repositories")) {
                scope.clear();
                for (JsonNode n : req.get("repositories")) {
                    String full = (i.account + "/" + n.asText()).toLowerCase(Locale.ROOT);
                    if (!i.repositories.contains(full)) {
                        return validationFailed("There is at least one repository that does not exist or is not accessible to the parent installation.");
                    }
                    scope.add(full);
                }
            }
        }
        // The stateless format GitHub is rolling out (ghs_APPID_JWT) is far longer than 40 characters.
        String token = "ghs_" + app.id() + "_" + randomText(120);
        Instant expires = now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        tokens.put(token, new Principal("installation", app.botLogin(), i.id, scope, expires));
        ObjectNode out = mapper.createObjectNode().put("token", token).put("expires_at", iso(expires))
                .put("repository_selection", "selected");
        ObjectNode perms = out.putObject("permissions");
        i.permissions.forEach(perms::put);
        return new Answer(201, out.toString());
    }

    private Answer repoInstallation(Exchange x, String fullName) {
        Optional<Answer> denied = requireJwt(x);
        if (denied.isPresent()) {
            return denied.get();
        }
        String key = fullName.toLowerCase(Locale.ROOT);
        Installation i = installations.values().stream().filter(in -> in.repositories.contains(key)).findFirst().orElse(null);
        if (i == null) {
            return error(404, "Not Found");
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("id", i.id).put("app_id", app.id()).put("app_slug", app.slug()).put("client_id", app.clientId())
                .put("target_id", 1).put("target_type", "Organization").putNull("single_file_name")
                .put("repository_selection", "selected")
                .put("access_tokens_url", baseUrl + "/app/installations/" + i.id + "/access_tokens")
                .put("html_url", "https://github.com/organizations/" + i.account + "/settings/installations/" + i.id)
                .put("repositories_url", baseUrl + "/installation/repositories")
                .put("created_at", iso(now())).put("updated_at", iso(now()))
                .putNull("suspended_by").putNull("suspended_at");
        out.set("events", mapper.createArrayNode().add("pull_request").add("repository_dispatch"));
        out.set("account", user(i.account, "Organization"));
        ObjectNode perms = out.putObject("permissions");
        i.permissions.forEach(perms::put);
        return new Answer(200, out.toString());
    }

    // ---------------------------------------------------------------- secrets and environments

    private Answer publicKey(Secrets s) {
        ObjectNode out = mapper.createObjectNode().put("key_id", s.keyId)
                .put("key", Base64.getEncoder().encodeToString(s.opener.publicKey()));
        return new Answer(200, out.toString());
    }

    private Answer putSecret(Exchange x, Secrets s, String name) {
        if (!SECRET_NAME.matcher(name).matches() || name.toUpperCase(Locale.ROOT).startsWith("GITHUB_")) {
            return validationFailed("Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_),"
                    + " must not start with a number, and must not start with the GITHUB_ prefix.");
        }
        JsonNode req = json(x.body);
        if (!s.keyId.equals(req.path("key_id").asText())) {
            return validationFailed("Bad request - key_id " + req.path("key_id").asText() + " is not the current key id");
        }
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(req.path("encrypted_value").asText());
        } catch (IllegalArgumentException e) {
            return validationFailed("encrypted_value is not base64");
        }
        Optional<byte[]> plain = s.opener.open(sealed);
        if (plain.isEmpty()) {
            return validationFailed("encrypted_value could not be decrypted with the key " + s.keyId);
        }
        if (plain.get().length > MAX_SECRET_BYTES) {
            return validationFailed("Secret value is too large: secrets are limited to 48 KB");
        }
        boolean created = s.values.put(name.toUpperCase(Locale.ROOT), plain.get()) == null;
        return created ? new Answer(201, "{}") : new Answer(204, null);
    }

    private Answer deleteSecret(Secrets s, String name) {
        return s.values.remove(name.toUpperCase(Locale.ROOT)) != null ? new Answer(204, null) : error(404, "Not Found");
    }

    private Optional<Secrets> environment(Repository repo, String name) {
        return Optional.ofNullable(repo.environments.get(name.toLowerCase(Locale.ROOT)));
    }

    private Answer putEnvironment(Repository repo, String name) {
        if (name.isBlank() || name.length() > 255) {
            return error(422, "Environment name is invalid");
        }
        String key = name.toLowerCase(Locale.ROOT);
        repo.environments.computeIfAbsent(key, k -> new Secrets());
        repo.environmentCreated.putIfAbsent(key, now());
        ObjectNode out = mapper.createObjectNode();
        out.put("id", Math.abs((repo.id + "/" + key).hashCode())).put("node_id", "EN_" + repo.id + "_" + key.hashCode()).put("name", name)
                .put("url", baseUrl + "/repos/" + repo.fullName + "/environments/" + name)
                .put("html_url", "https://github.com/" + repo.fullName + "/deployments/activity_log?environments_filter=" + name)
                .put("created_at", iso(repo.environmentCreated.get(key))).put("updated_at", iso(now()));
        out.set("protection_rules", mapper.createArrayNode());
        out.putNull("deployment_branch_policy");
        return new Answer(200, out.toString());
    }

    // ---------------------------------------------------------------- comments and statuses

    private Answer listComments(Exchange x, Repository repo, int issue) {
        if (!repo.issues.contains(issue)) {
            return error(404, "Not Found");
        }
        Map<String, String> q = query(x.query);
        int perPage = Math.max(1, Math.min(100, intParam(q, "per_page", 30)));
        int page = Math.max(1, intParam(q, "page", 1));
        List<Comment> all = repo.comments.stream().filter(c -> c.issue() == issue).toList();
        int last = Math.max(1, (all.size() + perPage - 1) / perPage);
        ArrayNode arr = mapper.createArrayNode();
        for (int i = (page - 1) * perPage; i < Math.min(all.size(), page * perPage); i++) {
            arr.add(commentJson(repo, all.get(i)));
        }
        // GitHub's pagination links name the repository by id, not by owner/name.
        String link = baseUrl + "/repositories/" + repo.id + "/issues/" + issue + "/comments?per_page=" + perPage + "&page=";
        List<String> rels = new ArrayList<>();
        if (page > 1) {
            rels.add("<" + link + (page - 1) + ">; rel=\"prev\"");
        }
        if (page < last) {
            rels.add("<" + link + (page + 1) + ">; rel=\"next\"");
            rels.add("<" + link + last + ">; rel=\"last\"");
        }
        if (page > 1) {
            rels.add("<" + link + 1 + ">; rel=\"first\"");
        }
        if (!rels.isEmpty()) {
            x.setHeader("Link", String.join(", ", rels));
        }
        return new Answer(200, arr.toString());
    }

    private Answer createComment(Exchange x, Repository repo, int issue) {
        if (!repo.issues.contains(issue)) {
            return error(404, "Not Found");
        }
        String body = json(x.body).path("body").asText();
        if (body.length() > 65_536) {
            return validationFailed("Body is too long (maximum is 65536 characters)");
        }
        Instant now = now();
        boolean bot = x.principal.kind().equals("installation");
        Comment c = new Comment(ids.incrementAndGet(), issue, body, x.principal.login(), bot ? "Bot" : "User", now, now);
        repo.comments.add(c);
        x.setHeader("Location", baseUrl + "/repos/" + repo.fullName + "/issues/comments/" + c.id());
        return new Answer(201, commentJson(repo, c).toString());
    }

    private Answer updateComment(Exchange x, Repository repo, long id) {
        for (int i = 0; i < repo.comments.size(); i++) {
            Comment c = repo.comments.get(i);
            if (c.id() == id) {
                String body = json(x.body).path("body").asText();
                if (body.length() > 65_536) {
                    return validationFailed("Body is too long (maximum is 65536 characters)");
                }
                Comment updated = new Comment(c.id(), c.issue(), body, c.login(), c.userType(), c.createdAt(), now());
                repo.comments.set(i, updated);
                return new Answer(200, commentJson(repo, updated).toString());
            }
        }
        return error(404, "Not Found");
    }

    private Answer createStatus(Exchange x, Repository repo, String sha) {
        if (!sha.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
            return validationFailed("No commit found for SHA: " + sha);
        }
        JsonNode req = json(x.body);
        String description = req.path("description").isTextual() ? req.get("description").asText() : null;
        if (description != null && description.length() > 140) {
            return validationFailed("description is too long (maximum is 140 characters)");
        }
        Status s = new Status(ids.incrementAndGet(), sha, req.path("state").asText(), req.path("context").asText("default"),
                description, req.path("target_url").isTextual() ? req.get("target_url").asText() : null, x.principal.login());
        repo.statuses.add(s);
        ObjectNode out = mapper.createObjectNode();
        out.put("url", baseUrl + "/repos/" + repo.fullName + "/statuses/" + sha).put("avatar_url", "https://avatars.githubusercontent.com/u/1")
                .put("id", s.id()).put("node_id", "SC_" + s.id()).put("state", s.state()).put("description", s.description())
                .put("target_url", s.targetUrl()).put("context", s.context()).put("created_at", iso(now())).put("updated_at", iso(now()));
        out.set("creator", user(s.creator(), x.principal.kind().equals("installation") ? "Bot" : "User"));
        x.setHeader("Location", baseUrl + "/repos/" + repo.fullName + "/statuses/" + sha);
        return new Answer(201, out.toString());
    }

    // ---------------------------------------------------------------- JSON

    private ObjectNode commentJson(Repository repo, Comment c) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", c.id()).put("node_id", "IC_" + c.id())
                .put("url", baseUrl + "/repos/" + repo.fullName + "/issues/comments/" + c.id())
                .put("html_url", "https://github.com/" + repo.fullName + "/pull/" + c.issue() + "#issuecomment-" + c.id())
                .put("issue_url", baseUrl + "/repos/" + repo.fullName + "/issues/" + c.issue())
                .put("body", c.body()).put("created_at", iso(c.createdAt())).put("updated_at", iso(c.updatedAt()))
                .put("author_association", c.userType().equals("Bot") ? "NONE" : "MEMBER");
        o.set("user", user(c.login(), c.userType()));
        return o;
    }

    private ObjectNode repositoryJson(Repository repo) {
        ObjectNode o = mapper.createObjectNode();
        String[] parts = repo.fullName.split("/");
        o.put("id", repo.id).put("node_id", "R_" + repo.id).put("name", parts[1]).put("full_name", repo.fullName)
                .put("private", true).put("url", baseUrl + "/repos/" + repo.fullName)
                .put("html_url", "https://github.com/" + repo.fullName).put("default_branch", "main");
        o.set("owner", user(parts[0], "Organization"));
        return o;
    }

    private ObjectNode user(String login, String type) {
        ObjectNode u = mapper.createObjectNode();
        // GitHub percent-encodes a bot's brackets in URLs: /users/ephemera-test%5Bbot%5D.
        String path = login.replace("[", "%5B").replace("]", "%5D");
        String web = "https://github.com/" + path;
        String api = baseUrl + "/users/" + path;
        u.put("login", login).put("id", Math.abs((long) login.hashCode())).put("node_id", "U_" + Math.abs(login.hashCode()))
                .put("avatar_url", "https://avatars.githubusercontent.com/u/" + Math.abs(login.hashCode())).put("gravatar_id", "")
                .put("url", api).put("html_url", web).put("followers_url", api + "/followers")
                .put("following_url", api + "/following{/other_user}").put("gists_url", api + "/gists{/gist_id}")
                .put("starred_url", api + "/starred{/owner}{/repo}").put("subscriptions_url", api + "/subscriptions")
                .put("organizations_url", api + "/orgs").put("repos_url", api + "/repos").put("events_url", api + "/events{/privacy}")
                .put("received_events_url", api + "/received_events").put("type", type).put("site_admin", false);
        return u;
    }

    private Answer error(int status, String message) {
        ObjectNode b = mapper.createObjectNode().put("message", message).put("documentation_url", DOCS);
        if (status == 401 || status == 403 || status == 404) {
            b.put("status", String.valueOf(status));
        }
        return new Answer(status, b.toString());
    }

    private Answer validationFailed(String message) {
        ObjectNode b = mapper.createObjectNode().put("message", "Validation Failed: " + message).put("documentation_url", DOCS);
        b.putArray("errors").addObject().put("code", "invalid").put("message", message);
        return new Answer(422, b.toString());
    }

    private JsonNode json(String body) {
        try {
            return body == null || body.isBlank() ? mapper.createObjectNode() : mapper.readTree(body);
        } catch (IOException e) {
            return mapper.createObjectNode();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static int intParam(Map<String, String> q, String name, int fallback) {
        try {
            return q.containsKey(name) ? Integer.parseInt(q.get(name)) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private Instant now() {
        return clock.get();
    }

    private static String iso(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private String randomText(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
