package dev.ephemera.testkit.fake.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ephemera.testkit.fake.vault.FakeKvMount.Outcome;
import dev.ephemera.testkit.fake.vault.FakeVaultAuth.TokenEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * A Vault server on 127.0.0.1 that behaves as Vault's KV version 2 engine, AppRole, Kubernetes
 * and token auth are documented to (and as {@code hashicorp/vault-plugin-secrets-kv} implements
 * them): numbered versions, {@code options.cas} with {@code cas=0} meaning create-only,
 * {@code cas_required} on the mount or the key, soft delete that keeps the version counter,
 * destroy, metadata, LIST, per-key serialisation, and Vault's own error bodies
 * ({@code {"errors":[...]}} with Vault's messages). Tokens expire by the given {@link Clock}.
 *
 * <p>Every request body is checked against Vault's OpenAPI description
 * ({@code shared/specs/vault/openapi-subset.json}): a body that does not conform to the
 * operation's schema is refused with a 400 and listed in {@link #specViolations()}, which tests
 * assert empty. Endpoints outside that subset ({@code sys/mounts}, {@code sys/internal/ui/mounts},
 * {@code auth/token/*-self}, {@code delete}/{@code undelete}/{@code destroy}) follow Vault's API
 * documentation; they carry no body schema to check.
 *
 * <p>Simplifications, each on purpose: namespaces ({@code X-Vault-Namespace}) separate mounts
 * only, while tokens, policies and auth methods are shared by all namespaces; ACL rules pick the
 * most specific matching pattern (exact before glob, then longest) without Vault's full priority
 * order; {@code PATCH} is not served (405).
 *
 * <p>Test hooks: {@link #revokeAllTokens()}, {@link #seal()}, and {@link #faults()} to answer
 * 503/429/500 before applying a request, or to apply a write and then drop the connection (the
 * client never learns the outcome) or hold the answer until the client gives up.
 */
public final class FakeVault implements AutoCloseable {
    static {
        // The JDK server writes headers and body separately; with Nagle on, each answer waits for
        // the client's delayed ACK (~40 ms). Read once, when the first server of the JVM starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 32 * 1024 * 1024; // Vault's default max_request_size
    private static final int MAX_RECORDED = 20_000;
    private static final String PERMISSION_DENIED = "1 error occurred:\n\t* permission denied\n\n";
    private static final String INVALID_TOKEN = "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n";

    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final VaultSpec spec;
    private final FakeVaultAuth auth;
    private final String rootToken;
    private final boolean tls;
    private final Map<String, Map<String, FakeKvMount>> mounts = new ConcurrentHashMap<>();
    private final Map<String, String> authMounts = new ConcurrentHashMap<>();
    private final Faults faults = new Faults();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<RecordedRequest> recorded = new ConcurrentLinkedDeque<>();
    private final AtomicLong requestCount = new AtomicLong();
    private final AtomicInteger recordedCount = new AtomicInteger();
    private final AtomicInteger mountCounter = new AtomicInteger();
    private volatile boolean sealed;

    private FakeVault(Builder b) throws IOException {
        this.clock = b.clock;
        this.spec = b.spec != null ? b.spec : VaultSpec.load();
        this.auth = new FakeVaultAuth(clock);
        this.rootToken = b.rootToken != null ? b.rootToken : auth.newId("hvs.root", 16);
        auth.registerRoot(rootToken);
        this.tls = b.sslContext != null;
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls) {
            HttpsServer s = HttpsServer.create(bind, 256);
            s.setHttpsConfigurator(new HttpsConfigurator(b.sslContext));
            this.server = s;
        } else {
            this.server = HttpServer.create(bind, 256);
        }
        this.executor = Executors.newFixedThreadPool(b.threads, r -> {
            Thread t = new Thread(r, "fake-vault");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        if (b.devMounts) {
            // What `vault server -dev` has: KV v2 at secret/, plus the two login methods we speak.
            mountKv("secret", 2);
            enableAuth("approle", "approle");
            enableAuth("kubernetes", "kubernetes");
        }
        server.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A fake with KV v2 at {@code secret/}, AppRole at {@code approle/}, Kubernetes at {@code kubernetes/}. */
    public static FakeVault start() {
        return builder().start();
    }

    /** Options for a fake Vault. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private SSLContext sslContext;
        private String rootToken;
        private VaultSpec spec;
        private int threads = 32;
        private boolean devMounts = true;

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Serve HTTPS with this context (its key manager holds the server certificate). */
        public Builder tls(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        public Builder rootToken(String token) {
            this.rootToken = token;
            return this;
        }

        public Builder spec(VaultSpec spec) {
            this.spec = spec;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Start with no mounts at all, instead of the dev server's. */
        public Builder noDefaultMounts() {
            this.devMounts = false;
            return this;
        }

        public FakeVault start() {
            try {
                return new FakeVault(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the fake Vault", e);
            }
        }
    }

    /**
     * Runs a fake Vault on its own, for separate processes (CLI runs, benchmarks): prints
     * {@code VAULT_ADDR=...} and {@code VAULT_TOKEN=...} on stdout, then serves until stdin closes.
     * {@code --approle ROLE_ID:SECRET_ID} adds an AppRole with full access to {@code secret/}.
     */
    public static void main(String[] args) throws IOException {
        try (FakeVault vault = FakeVault.start()) {
            for (int i = 0; i + 1 < args.length; i += 2) {
                if (args[i].equals("--approle")) {
                    String[] ids = args[i + 1].split(":", 2);
                    vault.policy("ephemera", "secret/*", "read", "create", "update", "delete", "list");
                    vault.appRole("ephemera", ids[0], ids[1], Duration.ofHours(1), Duration.ofHours(4), "ephemera");
                }
            }
            System.out.println("VAULT_ADDR=" + vault.address());
            System.out.println("VAULT_TOKEN=" + vault.rootToken());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent closes our stdin
            }
        }
    }

    // ---- set-up ------------------------------------------------------------------------------

    public URI address() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort());
    }

    public String rootToken() {
        return rootToken;
    }

    public Clock clock() {
        return clock;
    }

    /** Mounts a KV engine (version 1 or 2) at {@code path} in the root namespace. */
    public FakeVault mountKv(String path, int version) {
        return mountKv("", path, version);
    }

    /** Mounts a KV engine at {@code path} inside a namespace ({@code X-Vault-Namespace}). */
    public FakeVault mountKv(String namespace, String path, int version) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("KV version must be 1 or 2");
        }
        String p = trimSlashes(path);
        int n = mountCounter.incrementAndGet();
        mounts.computeIfAbsent(trimSlashes(namespace), k -> new ConcurrentHashMap<>())
                .put(p, new FakeKvMount(p, version, "kv_" + String.format("%08x", n), UUID.randomUUID().toString(), clock));
        return this;
    }

    /** Sets {@code cas_required} on a mount's configuration, as {@code POST <mount>/config} does. */
    public FakeVault casRequired(String mount, boolean required) {
        mount("", mount).casRequired = required;
        return this;
    }

    public FakeVault enableAuth(String path, String type) {
        if (!type.equals("approle") && !type.equals("kubernetes")) {
            throw new IllegalArgumentException("the fake speaks approle and kubernetes logins only");
        }
        authMounts.put(trimSlashes(path), type);
        return this;
    }

    /** Defines a policy: ACL path pattern → capabilities ({@code read}, {@code create}, {@code update}, {@code delete}, {@code list}, {@code deny}). */
    public FakeVault policy(String name, Map<String, Set<String>> rules) {
        auth.putPolicy(name, rules);
        return this;
    }

    /** A policy of one rule. */
    public FakeVault policy(String name, String pathPattern, String... capabilities) {
        return policy(name, Map.of(pathPattern, Set.of(capabilities)));
    }

    /** Issues a service token; a zero ttl never expires. */
    public String createToken(Duration ttl, Duration maxTtl, boolean renewable, String... policies) {
        return auth.issue(Set.of(policies), ttl, maxTtl, renewable, Map.of()).id;
    }

    /** An AppRole whose logins issue renewable tokens with this ttl and max ttl. */
    public FakeVault appRole(String roleName, String roleId, String secretId, Duration ttl, Duration maxTtl, String... policies) {
        auth.putAppRole(new FakeVaultAuth.AppRole(roleName, roleId, Set.of(secretId), ttl, maxTtl, Set.of(policies)));
        return this;
    }

    /** A Kubernetes auth role accepting exactly these service-account JWTs. */
    public FakeVault kubernetesRole(String role, Set<String> acceptedJwts, Duration ttl, Duration maxTtl, String... policies) {
        auth.putKubernetesRole(new FakeVaultAuth.KubernetesRole(role, Set.copyOf(acceptedJwts), ttl, maxTtl, Set.of(policies)));
        return this;
    }

    /** Replaces the JWTs a Kubernetes role accepts (a rotated projected token). */
    public FakeVault acceptKubernetesJwts(String role, Set<String> jwts) {
        auth.acceptJwts(role, jwts);
        return this;
    }

    // ---- test hooks --------------------------------------------------------------------------

    /** Revokes one token. */
    public boolean revokeToken(String token) {
        return auth.revoke(token);
    }

    /** Revokes every token except the root token; returns how many. */
    public int revokeAllTokens() {
        return auth.revokeAllExcept(rootToken);
    }

    public void seal() {
        sealed = true;
    }

    public void unseal() {
        sealed = false;
    }

    public Faults faults() {
        return faults;
    }

    /** Successful logins so far (AppRole and Kubernetes). */
    public int logins() {
        return auth.logins();
    }

    /** The current data of a KV v2 key (or a v1 key), as a client would read it. */
    public Optional<JsonNode> read(String mount, String key) {
        return read("", mount, key);
    }

    public Optional<JsonNode> read(String namespace, String mount, String key) {
        return mount(namespace, mount).current(key);
    }

    /** The current version of a KV v2 key (0 if it has metadata but no version), empty if it has no metadata. */
    public OptionalLong currentVersion(String mount, String key) {
        return mount("", mount).entry(key).map(e -> OptionalLong.of(e.currentVersion)).orElse(OptionalLong.empty());
    }

    /** Requests whose body broke the spec; tests assert this is empty. */
    public List<String> specViolations() {
        return List.copyOf(violations);
    }

    /** The most recent requests (up to 20,000), oldest first. */
    public List<RecordedRequest> requests() {
        return List.copyOf(recorded);
    }

    public long requestCount() {
        return requestCount.get();
    }

    @Override
    public void close() {
        faults.releaseHung();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FakeKvMount mount(String namespace, String mount) {
        FakeKvMount m = mounts.getOrDefault(trimSlashes(namespace), Map.of()).get(trimSlashes(mount));
        if (m == null) {
            throw new IllegalArgumentException("no KV mount " + mount + " in namespace '" + namespace + "'");
        }
        return m;
    }

    // ---- faults ------------------------------------------------------------------------------

    /** Fault injection: errors before a request is applied, and lost answers after it was. */
    public static final class Faults {
        private record Before(AtomicInteger remaining, Predicate<RecordedRequest> which, int status, String message, Map<String, String> headers) {
        }

        private enum AfterKind { DROP, HANG }

        private record After(AtomicInteger remaining, Predicate<RecordedRequest> which, AfterKind kind) {
        }

        private final List<Before> before = new CopyOnWriteArrayList<>();
        private final List<After> after = new CopyOnWriteArrayList<>();
        private final AtomicInteger fired = new AtomicInteger();
        private volatile CountDownLatch hung = new CountDownLatch(1);

        /** The next {@code times} matching requests get {@code status} with Vault's error body, unapplied. */
        public Faults failBeforeApplying(int times, Predicate<RecordedRequest> which, int status, String message) {
            before.add(new Before(new AtomicInteger(times), which, status, message, Map.of()));
            return this;
        }

        /** The next {@code times} requests (health checks aside) answer 503 "Vault is sealed". */
        public Faults sealedFor(int times) {
            return failBeforeApplying(times, r -> !r.path().equals("sys/health"), 503, "Vault is sealed");
        }

        /** The next {@code times} requests answer 429 as a rate-limit quota does, with {@code Retry-After}. */
        public Faults rateLimited(int times, Duration retryAfter) {
            before.add(new Before(new AtomicInteger(times), r -> !r.path().equals("sys/health"), 429, null,
                    Map.of("Retry-After", Long.toString(Math.max(0, retryAfter.toSeconds())))));
            return this;
        }

        /** The next {@code times} matching writes are applied, then the connection is closed with no answer. */
        public Faults dropConnectionAfterApplying(int times, Predicate<RecordedRequest> which) {
            after.add(new After(new AtomicInteger(times), which, AfterKind.DROP));
            return this;
        }

        /** The next {@code times} matching writes are applied, then the answer is held until {@link #releaseHung()} or close. */
        public Faults hangAfterApplying(int times, Predicate<RecordedRequest> which) {
            after.add(new After(new AtomicInteger(times), which, AfterKind.HANG));
            return this;
        }

        public void releaseHung() {
            CountDownLatch l = hung;
            hung = new CountDownLatch(1);
            l.countDown();
        }

        /** How many faults have fired so far. */
        public int fired() {
            return fired.get();
        }

        public void clear() {
            before.clear();
            after.clear();
        }

        private Optional<Before> before(RecordedRequest r) {
            for (Before b : before) {
                if (b.which().test(r) && b.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    fired.incrementAndGet();
                    return Optional.of(b);
                }
            }
            return Optional.empty();
        }

        private Optional<AfterKind> after(RecordedRequest r) {
            if (!r.isWrite()) {
                return Optional.empty();
            }
            for (After a : after) {
                if (a.which().test(r) && a.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    fired.incrementAndGet();
                    return Optional.of(a.kind());
                }
            }
            return Optional.empty();
        }
    }

    // ---- HTTP --------------------------------------------------------------------------------

    private record Reply(int status, JsonNode body, Map<String, String> headers) {
        static Reply of(int status, JsonNode body) {
            return new Reply(status, body, Map.of());
        }
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            serve(ex);
        }
    }

    private void serve(HttpExchange ex) {
        try {
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            URI uri = ex.getRequestURI();
            byte[] raw = ex.getRequestBody().readNBytes(MAX_BODY + 1);
            String path = uri.getPath() == null ? "" : uri.getPath();
            String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            Optional<String> ns = Optional.ofNullable(ex.getRequestHeaders().getFirst("X-Vault-Namespace")).map(FakeVault::trimSlashes).filter(s -> !s.isEmpty());
            if (!path.startsWith("/v1/")) {
                send(ex, Reply.of(404, errors("404 page not found")));
                return;
            }
            RecordedRequest req = new RecordedRequest(method, path.substring(4), query, ns,
                    new String(raw, 0, Math.min(raw.length, MAX_BODY), StandardCharsets.UTF_8), clock.instant());
            record(req);
            if (raw.length > MAX_BODY) {
                send(ex, Reply.of(413, errors("http: request body too large")));
                return;
            }
            Optional<Faults.Before> injected = faults.before(req);
            Reply reply;
            if (injected.isPresent()) {
                Faults.Before b = injected.get();
                String msg = b.message() != null ? b.message() : "request path \"" + req.path() + "\": rate limit quota exceeded";
                reply = new Reply(b.status(), errors(msg), b.headers());
            } else {
                reply = dispatch(req, ex.getRequestHeaders());
            }
            Optional<Faults.AfterKind> lost = injected.isPresent() ? Optional.empty() : faults.after(req);
            if (lost.isPresent()) {
                if (lost.get() == Faults.AfterKind.HANG) {
                    CountDownLatch l = faults.hung;
                    l.await(2, TimeUnit.MINUTES);
                }
                // Closing the exchange before any header is sent closes the connection: the client sees no answer.
                return;
            }
            send(ex, reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            try {
                send(ex, Reply.of(500, errors("1 error occurred:\n\t* internal error: " + e + "\n\n")));
            } catch (IOException | RuntimeException ignored) {
                // the connection is gone; nothing more to tell
            }
        }
    }

    private void record(RecordedRequest r) {
        requestCount.incrementAndGet();
        recorded.addLast(r);
        // ConcurrentLinkedDeque.size() walks the whole deque: keep our own count.
        if (recordedCount.incrementAndGet() > MAX_RECORDED && recorded.pollFirst() != null) {
            recordedCount.decrementAndGet();
        }
    }

    private static void send(HttpExchange ex, Reply reply) throws IOException {
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        if (reply.status() == 204 || reply.body() == null) {
            ex.sendResponseHeaders(reply.status(), -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(reply.body());
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Reply dispatch(RecordedRequest r, Headers headers) {
        String p = r.path();
        if (p.equals("sys/health")) {
            return health();
        }
        if (sealed) {
            return Reply.of(503, errors("Vault is sealed"));
        }
        boolean list = r.method().equals("LIST") || (r.method().equals("GET") && queryParam(r.query(), "list").isPresent());
        String ns = r.namespace().orElse("");

        String[] seg = p.split("/", -1);
        if (seg.length == 3 && seg[0].equals("auth") && seg[2].equals("login") && authMounts.containsKey(seg[1])) {
            if (!r.method().equals("POST") && !r.method().equals("PUT")) {
                return Reply.of(405, errors("1 error occurred:\n\t* unsupported operation\n\n"));
            }
            return login(r, authMounts.get(seg[1]));
        }

        String tokenHeader = Optional.ofNullable(headers.getFirst("X-Vault-Token"))
                .or(() -> Optional.ofNullable(headers.getFirst("Authorization")).filter(a -> a.startsWith("Bearer ")).map(a -> a.substring(7)))
                .orElse("");
        Optional<TokenEntry> token = auth.lookup(tokenHeader.trim());
        if (token.isEmpty()) {
            return Reply.of(403, errors(tokenHeader.isBlank() ? PERMISSION_DENIED : INVALID_TOKEN));
        }
        TokenEntry t = token.get();

        if (p.startsWith("auth/token/")) {
            return tokenSelf(r, t);
        }
        if (p.startsWith("sys/mounts/")) {
            if (!auth.allowed(t, p, "read")) {
                return denied();
            }
            return mountInfo(ns, p.substring("sys/mounts/".length()), false);
        }
        if (p.startsWith("sys/internal/ui/mounts/")) {
            String m = trimSlashes(p.substring("sys/internal/ui/mounts/".length()));
            if (!auth.anyUnder(t, m + "/")) {
                return denied();
            }
            return mountInfo(ns, m, true);
        }

        Map<String, FakeKvMount> space = mounts.getOrDefault(ns, Map.of());
        Optional<FakeKvMount> mount = space.values().stream()
                .filter(m -> p.equals(m.path) || p.startsWith(m.path + "/"))
                .max(Comparator.comparingInt(m -> m.path.length()));
        if (mount.isEmpty()) {
            return Reply.of(404, errors("no handler for route \"" + p + "\". route entry not found."));
        }
        FakeKvMount m = mount.get();
        String rest = p.length() > m.path.length() ? p.substring(m.path.length() + 1) : "";
        return m.version == 2 ? kv2(r, t, m, rest, list) : kv1(r, t, m, rest, list);
    }

    private Reply kv2(RecordedRequest r, TokenEntry t, FakeKvMount m, String rest, boolean list) {
        String method = r.method();
        String acl = m.path + "/" + rest;
        if (rest.equals("config")) {
            if (method.equals("GET")) {
                return allowed(t, acl, "read") ? outcome(m.readConfig()) : denied();
            }
            if (isWrite(method)) {
                return withBody(r, "kv-v2-configure", body -> allowed(t, acl, "update") ? outcome(m.writeConfig(body)) : denied());
            }
            return unsupportedOperation();
        }
        if (rest.startsWith("data/")) {
            String key = rest.substring(5);
            if (key.isEmpty() || key.endsWith("/")) {
                return unsupportedPath();
            }
            switch (method) {
                case "GET": {
                    if (!allowed(t, acl, "read")) {
                        return denied();
                    }
                    long version = queryParam(r.query(), "version").map(v -> {
                        try {
                            return Long.parseLong(v);
                        } catch (NumberFormatException e) {
                            return -1L;
                        }
                    }).orElse(0L);
                    if (version < 0) {
                        return Reply.of(400, errors("1 error occurred:\n\t* error converting input for field \"version\": strconv.ParseInt: parsing invalid syntax\n\n"));
                    }
                    return outcome(m.readData(key, version));
                }
                case "POST":
                case "PUT":
                    return withBody(r, "kv-v2-write",
                            body -> allowed(t, acl, m.exists(key) ? "update" : "create") ? outcome(m.writeData(key, body)) : denied());
                case "DELETE":
                    return allowed(t, acl, "delete") ? outcome(m.deleteLatest(key)) : denied();
                default:
                    return unsupportedOperation();
            }
        }
        if (rest.equals("metadata") || rest.startsWith("metadata/")) {
            String key = rest.length() > 9 ? rest.substring(9) : "";
            if (list) {
                String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
                if (method.equals("GET") && !queryParam(r.query(), "list").orElse("").equals("true")) {
                    return violation(r, "kv-v2-list: query parameter 'list' must be \"true\"");
                }
                return allowed(t, m.path + "/metadata/" + prefix, "list") ? outcome(m.list(prefix)) : denied();
            }
            if (key.isEmpty()) {
                return unsupportedPath();
            }
            switch (method) {
                case "GET":
                    return allowed(t, acl, "read") ? outcome(m.readMetadata(key)) : denied();
                case "POST":
                case "PUT":
                    return withBody(r, "kv-v2-write-metadata",
                            body -> allowed(t, acl, m.exists(key) ? "update" : "create") ? outcome(m.writeMetadata(key, body)) : denied());
                case "DELETE":
                    return allowed(t, acl, "delete") ? outcome(m.deleteMetadata(key)) : denied();
                default:
                    return unsupportedOperation();
            }
        }
        for (String verb : List.of("delete/", "undelete/", "destroy/")) {
            if (rest.startsWith(verb) && rest.length() > verb.length()) {
                String key = rest.substring(verb.length());
                if (!isWrite(method) || method.equals("DELETE")) {
                    return unsupportedOperation();
                }
                Optional<JsonNode> body = parse(r.body());
                if (body.isEmpty()) {
                    return Reply.of(400, errors("failed to parse JSON input"));
                }
                if (!allowed(t, acl, "update")) {
                    return denied();
                }
                List<Long> versions = new ArrayList<>();
                body.get().path("versions").forEach(v -> FakeKvMount.weakInt(v).ifPresent(versions::add));
                return outcome(switch (verb) {
                    case "delete/" -> m.softDelete(key, versions);
                    case "undelete/" -> m.undelete(key, versions);
                    default -> m.destroy(key, versions);
                });
            }
        }
        // A KV v1-style path on a v2 mount: Vault answers 404 with a warning pointing at the v2 API.
        ObjectNode nf = errors();
        nf.putArray("warnings").add("Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.");
        return Reply.of(404, nf);
    }

    private Reply kv1(RecordedRequest r, TokenEntry t, FakeKvMount m, String key, boolean list) {
        String acl = m.path + "/" + key;
        if (list) {
            String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
            return allowed(t, m.path + "/" + prefix, "list") ? outcome(m.list(prefix)) : denied();
        }
        if (key.isEmpty()) {
            return unsupportedPath();
        }
        switch (r.method()) {
            case "GET":
                return allowed(t, acl, "read") ? outcome(m.v1Read(key)) : denied();
            case "POST":
            case "PUT": {
                Optional<JsonNode> body = parse(r.body());
                if (body.isEmpty()) {
                    return Reply.of(400, errors("failed to parse JSON input"));
                }
                return allowed(t, acl, m.exists(key) ? "update" : "create") ? outcome(m.v1Write(key, body.get())) : denied();
            }
            case "DELETE":
                return allowed(t, acl, "delete") ? outcome(m.v1Delete(key)) : denied();
            default:
                return unsupportedOperation();
        }
    }

    private Reply login(RecordedRequest r, String type) {
        String operation = type.equals("approle") ? "app-role-login" : "kubernetes-login";
        return withBody(r, operation, body -> {
            FakeVaultAuth.Login login = type.equals("approle")
                    ? auth.appRoleLogin(text(body, "role_id"), text(body, "secret_id"))
                    : auth.kubernetesLogin(text(body, "role"), text(body, "jwt"));
            if (login.token().isEmpty()) {
                return Reply.of(login.status(), errors(login.error()));
            }
            ObjectNode env = envelope(null, List.of(), "");
            env.set("auth", JSON.valueToTree(FakeVaultAuth.authBlock(login.token().get(), clock.instant())));
            return Reply.of(200, env);
        });
    }

    private Reply tokenSelf(RecordedRequest r, TokenEntry t) {
        String op = r.path().substring("auth/token/".length());
        switch (op) {
            case "lookup-self": {
                if (!r.method().equals("GET")) {
                    return unsupportedOperation();
                }
                if (!auth.allowed(t, r.path(), "read")) {
                    return denied();
                }
                Instant now = clock.instant();
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("accessor", t.accessor);
                d.put("creation_time", t.issued.getEpochSecond());
                d.put("creation_ttl", t.ttl.toSeconds());
                d.put("display_name", "token");
                d.put("expire_time", t.expiry == null ? null : t.expiry.toString());
                d.put("explicit_max_ttl", 0);
                d.put("id", t.id);
                d.put("issue_time", t.issued.toString());
                d.put("meta", t.metadata.isEmpty() ? null : t.metadata);
                d.put("num_uses", 0);
                d.put("orphan", true);
                d.put("path", "auth/token/create");
                d.put("policies", List.copyOf(t.policies));
                d.put("renewable", t.renewable);
                d.put("ttl", t.secondsLeft(now));
                d.put("type", "service");
                return Reply.of(200, envelope(JSON.valueToTree(d), List.of(), "token"));
            }
            case "renew-self": {
                if (!isWrite(r.method())) {
                    return unsupportedOperation();
                }
                if (!auth.allowed(t, r.path(), "update")) {
                    return denied();
                }
                Optional<JsonNode> body = r.body().isBlank() ? Optional.of(JSON.createObjectNode()) : parse(r.body());
                if (body.isEmpty()) {
                    return Reply.of(400, errors("failed to parse JSON input"));
                }
                Optional<Duration> increment = Optional.ofNullable(body.get().get("increment")).map(FakeVault::goDuration);
                if (!t.renewable && !t.ttl.isZero()) {
                    return Reply.of(400, errors("lease is not renewable"));
                }
                Instant now = clock.instant();
                Duration wanted = increment.filter(d -> !d.isZero()).orElse(t.ttl);
                auth.renew(t, increment);
                List<String> warnings = new ArrayList<>();
                if (t.expiry != null && t.secondsLeft(now) < wanted.toSeconds()) {
                    warnings.add("TTL of \"" + wanted.toSeconds() + "s\" exceeded the effective max_ttl of \"" + t.secondsLeft(now)
                            + "s\"; TTL value is capped accordingly");
                }
                ObjectNode env = envelope(null, warnings, "token");
                env.set("auth", JSON.valueToTree(FakeVaultAuth.authBlock(t, now)));
                return Reply.of(200, env);
            }
            case "revoke-self": {
                if (!isWrite(r.method())) {
                    return unsupportedOperation();
                }
                auth.revoke(t.id);
                return Reply.of(204, null);
            }
            default:
                return unsupportedPath();
        }
    }

    private Reply mountInfo(String ns, String path, boolean ui) {
        String m = trimSlashes(path);
        FakeKvMount mount = mounts.getOrDefault(ns, Map.of()).get(m);
        if (mount == null) {
            return ui ? denied() : Reply.of(400, errors("No secret engine mount at " + m + "/"));
        }
        ObjectNode d = JSON.createObjectNode();
        d.put("accessor", mount.accessor);
        ObjectNode config = d.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        d.put("description", "key/value secret storage");
        d.put("external_entropy_access", false);
        d.put("local", false);
        d.putObject("options").put("version", Integer.toString(mount.version));
        if (ui) {
            d.put("path", m + "/");
        }
        d.put("plugin_version", "");
        d.put("running_plugin_version", "v0.16.1+builtin");
        d.put("running_sha256", "");
        d.put("seal_wrap", false);
        d.put("type", "kv");
        d.put("uuid", mount.uuid);
        ObjectNode env = envelope(d, List.of(), "system");
        if (!ui) {
            // sys/ endpoints also repeat the data at the top level, for older clients.
            d.properties().forEach(f -> env.set(f.getKey(), f.getValue()));
        }
        return Reply.of(200, env);
    }

    private Reply health() {
        ObjectNode h = JSON.createObjectNode();
        h.put("initialized", true);
        h.put("sealed", sealed);
        h.put("standby", false);
        h.put("performance_standby", false);
        h.put("replication_performance_mode", "disabled");
        h.put("replication_dr_mode", "disabled");
        h.put("server_time_utc", clock.instant().getEpochSecond());
        h.put("version", "1.15.0");
        h.put("cluster_name", "vault-cluster-fake");
        h.put("cluster_id", "00000000-0000-0000-0000-000000000000");
        return Reply.of(sealed ? 503 : 200, h);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private interface BodyHandler {
        Reply apply(JsonNode body);
    }

    /** Parses the body, checks it against the operation's schema in the spec, then handles it. */
    private Reply withBody(RecordedRequest r, String operationId, BodyHandler handler) {
        String text = r.body();
        Optional<JsonNode> body = text.isBlank() ? Optional.of(JSON.createObjectNode()) : parse(text);
        if (body.isEmpty()) {
            return Reply.of(400, errors("failed to parse JSON input: invalid character in request body"));
        }
        if (!body.get().isObject()) {
            return Reply.of(400, errors("failed to parse JSON input: json: cannot unmarshal into Go value of type map[string]interface {}"));
        }
        List<String> problems = spec.checkRequest(operationId, text);
        if (!problems.isEmpty()) {
            return violation(r, String.join("; ", problems));
        }
        return handler.apply(body.get());
    }

    private Reply violation(RecordedRequest r, String message) {
        violations.add(r + ": " + message);
        return Reply.of(400, errors("request does not conform to Vault's API description: " + message));
    }

    private boolean allowed(TokenEntry t, String path, String capability) {
        return auth.allowed(t, path, capability);
    }

    private Reply outcome(Outcome o) {
        if (o.status() == 204) {
            return Reply.of(204, null);
        }
        if (!o.errors().isEmpty()) {
            return Reply.of(o.status(), errors(o.errors().toArray(String[]::new)));
        }
        if (o.data() == null) {
            return Reply.of(o.status(), errors());
        }
        return Reply.of(o.status(), envelope(o.data(), o.warnings(), "kv"));
    }

    private static Reply denied() {
        return Reply.of(403, errors(PERMISSION_DENIED));
    }

    private static Reply unsupportedPath() {
        return Reply.of(404, errors("1 error occurred:\n\t* unsupported path\n\n"));
    }

    private static Reply unsupportedOperation() {
        return Reply.of(405, errors("1 error occurred:\n\t* unsupported operation\n\n"));
    }

    private static ObjectNode errors(String... messages) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray("errors");
        Arrays.stream(messages).forEach(a::add);
        return o;
    }

    private static ObjectNode envelope(JsonNode data, List<String> warnings, String mountType) {
        ObjectNode o = JSON.createObjectNode();
        o.put("request_id", UUID.randomUUID().toString());
        o.put("lease_id", "");
        o.put("renewable", false);
        o.put("lease_duration", 0);
        o.set("data", data);
        o.putNull("wrap_info");
        if (warnings.isEmpty()) {
            o.putNull("warnings");
        } else {
            ArrayNode w = o.putArray("warnings");
            warnings.forEach(w::add);
        }
        o.putNull("auth");
        o.put("mount_type", mountType);
        return o;
    }

    private static Optional<JsonNode> parse(String text) {
        try {
            return Optional.ofNullable(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static boolean isWrite(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("DELETE");
    }

    private static Optional<String> queryParam(String query, String name) {
        if (query == null || query.isEmpty()) {
            return Optional.empty();
        }
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return Optional.of(eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** Vault takes a duration as seconds (a number) or Go duration text such as {@code 1h30m}. */
    private static Duration goDuration(JsonNode n) {
        if (n.isNumber()) {
            return Duration.ofSeconds(n.asLong());
        }
        String s = n.asText().trim();
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Duration d = Duration.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(h|m|s)").matcher(s);
        while (m.find()) {
            long v = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(v);
                case "m" -> Duration.ofMinutes(v);
                default -> Duration.ofSeconds(v);
            });
        }
        return d;
    }

    static String trimSlashes(String s) {
        String t = s == null ? "" : s.trim();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }
}
