package dev.ephemera.testkit.fake.vault;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fake's token store, ACL policies and login methods (AppRole, Kubernetes), keeping Vault's
 * rules: tokens expire at their TTL and never outlive their max TTL, renewal is capped by the
 * max TTL, the most specific matching policy path decides, {@code deny} wins.
 */
final class FakeVaultAuth {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, TokenEntry> tokens = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Set<String>>> policies = new ConcurrentHashMap<>();
    private final Map<String, AppRole> appRoles = new ConcurrentHashMap<>(); // by role id
    private final Map<String, KubernetesRole> kubernetesRoles = new ConcurrentHashMap<>(); // by role name
    private final AtomicInteger logins = new AtomicInteger();

    FakeVaultAuth(Clock clock) {
        this.clock = clock;
        // Vault's built-in default policy lets every token look itself up, renew and revoke itself.
        policies.put("default", Map.of(
                "auth/token/lookup-self", Set.of("read"),
                "auth/token/renew-self", Set.of("update"),
                "auth/token/revoke-self", Set.of("update")));
    }

    /** One issued token. */
    static final class TokenEntry {
        final String id;
        final String accessor;
        final Set<String> policies;
        final Instant issued;
        final Duration ttl; // zero: never expires (root)
        final Instant maxExpiry; // null: no cap
        final boolean renewable;
        final Map<String, String> metadata;
        volatile Instant expiry; // null: never
        volatile boolean revoked;

        TokenEntry(String id, String accessor, Set<String> policies, Instant issued, Duration ttl, Instant maxExpiry,
                   boolean renewable, Map<String, String> metadata) {
            this.id = id;
            this.accessor = accessor;
            this.policies = Set.copyOf(policies);
            this.issued = issued;
            this.ttl = ttl;
            this.maxExpiry = maxExpiry;
            this.renewable = renewable;
            this.metadata = Map.copyOf(metadata);
            this.expiry = ttl.isZero() ? null : min(issued.plus(ttl), maxExpiry);
        }

        boolean validAt(Instant now) {
            return !revoked && (expiry == null || now.isBefore(expiry));
        }

        /** Whole seconds left, rounded up: a token issued for 60 s reports 60 at once, not 59. */
        long secondsLeft(Instant now) {
            if (expiry == null) {
                return 0;
            }
            Duration left = Duration.between(now, expiry);
            if (left.isNegative() || left.isZero()) {
                return 0;
            }
            return left.getNano() == 0 ? left.getSeconds() : left.getSeconds() + 1;
        }
    }

    record AppRole(String roleName, String roleId, Set<String> secretIds, Duration ttl, Duration maxTtl, Set<String> policies) {
    }

    record KubernetesRole(String name, Set<String> acceptedJwts, Duration ttl, Duration maxTtl, Set<String> policies) {
    }

    /** Result of a login: a token, or Vault's error status and message. */
    record Login(Optional<TokenEntry> token, int status, String error) {
        static Login ok(TokenEntry t) {
            return new Login(Optional.of(t), 200, "");
        }

        static Login refused(int status, String error) {
            return new Login(Optional.empty(), status, error);
        }
    }

    String newId(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    TokenEntry issue(Set<String> policies, Duration ttl, Duration maxTtl, boolean renewable, Map<String, String> metadata) {
        Instant now = clock.instant();
        Set<String> ps = new LinkedHashSet<>();
        if (!policies.contains("root")) {
            ps.add("default");
        }
        ps.addAll(policies);
        TokenEntry t = new TokenEntry(newId("hvs.", 24), newId("", 24), ps, now, ttl,
                maxTtl.isZero() ? null : now.plus(maxTtl), renewable, metadata);
        tokens.put(t.id, t);
        return t;
    }

    void registerRoot(String id) {
        tokens.put(id, new TokenEntry(id, newId("", 24), Set.of("root"), clock.instant(), Duration.ZERO, null, false, Map.of()));
    }

    Optional<TokenEntry> lookup(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        TokenEntry t = tokens.get(id);
        return t != null && t.validAt(clock.instant()) ? Optional.of(t) : Optional.empty();
    }

    boolean revoke(String id) {
        TokenEntry t = tokens.get(id);
        if (t == null) {
            return false;
        }
        t.revoked = true;
        return true;
    }

    int revokeAllExcept(String keep) {
        int n = 0;
        for (TokenEntry t : tokens.values()) {
            if (!t.id.equals(keep) && !t.revoked) {
                t.revoked = true;
                n++;
            }
        }
        return n;
    }

    /** Renews a token as {@code auth/token/renew-self} does: never past its max TTL. */
    Optional<TokenEntry> renew(TokenEntry t, Optional<Duration> increment) {
        if (!t.renewable || t.ttl.isZero()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Duration by = increment.filter(d -> !d.isZero()).orElse(t.ttl);
        t.expiry = min(now.plus(by), t.maxExpiry);
        return Optional.of(t);
    }

    void putPolicy(String name, Map<String, Set<String>> rules) {
        policies.put(name, Map.copyOf(rules));
    }

    void putAppRole(AppRole role) {
        appRoles.put(role.roleId(), role);
    }

    void putKubernetesRole(KubernetesRole role) {
        kubernetesRoles.put(role.name(), role);
    }

    int logins() {
        return logins.get();
    }

    Login appRoleLogin(String roleId, String secretId) {
        if (roleId == null || roleId.isEmpty()) {
            return Login.refused(400, "missing role_id");
        }
        AppRole role = appRoles.get(roleId);
        if (role == null || secretId == null || !role.secretIds().contains(secretId)) {
            return Login.refused(400, "invalid role or secret ID");
        }
        logins.incrementAndGet();
        return Login.ok(issue(role.policies(), role.ttl(), role.maxTtl(), true, Map.of("role_name", role.roleName())));
    }

    Login kubernetesLogin(String roleName, String jwt) {
        if (roleName == null || roleName.isEmpty()) {
            return Login.refused(400, "missing role");
        }
        if (jwt == null || jwt.isEmpty()) {
            return Login.refused(400, "missing jwt");
        }
        KubernetesRole role = kubernetesRoles.get(roleName);
        if (role == null) {
            return Login.refused(400, "invalid role name \"" + roleName + "\"");
        }
        if (!role.acceptedJwts().contains(jwt)) {
            return Login.refused(403, "permission denied");
        }
        logins.incrementAndGet();
        return Login.ok(issue(role.policies(), role.ttl(), role.maxTtl(), true, Map.of("role", roleName)));
    }

    /** Replaces the JWTs a Kubernetes role accepts, as a rotated projected token would. */
    void acceptJwts(String roleName, Set<String> jwts) {
        kubernetesRoles.computeIfPresent(roleName, (k, r) -> new KubernetesRole(r.name(), Set.copyOf(jwts), r.ttl(), r.maxTtl(), r.policies()));
    }

    /**
     * Whether the token may use {@code capability} on {@code path}: among every rule of its
     * policies that matches, the most specific pattern decides (Vault's priority rules, simplified
     * to: exact before glob, then longer before shorter), and {@code deny} always wins there.
     */
    boolean allowed(TokenEntry token, String path, String capability) {
        if (token.policies.contains("root")) {
            return true;
        }
        String best = null;
        Set<String> caps = new LinkedHashSet<>();
        for (String p : token.policies) {
            Map<String, Set<String>> rules = policies.getOrDefault(p, Map.of());
            for (Map.Entry<String, Set<String>> r : rules.entrySet()) {
                if (!matches(r.getKey(), path)) {
                    continue;
                }
                int cmp = best == null ? 1 : compareSpecificity(r.getKey(), best);
                if (cmp > 0) {
                    best = r.getKey();
                    caps.clear();
                    caps.addAll(r.getValue());
                } else if (cmp == 0) {
                    caps.addAll(r.getValue());
                }
            }
        }
        return !caps.contains("deny") && caps.contains(capability);
    }

    /** Whether the token has any capability at all on some path under {@code prefix}. */
    boolean anyUnder(TokenEntry token, String prefix) {
        if (token.policies.contains("root")) {
            return true;
        }
        for (String p : token.policies) {
            for (Map.Entry<String, Set<String>> r : policies.getOrDefault(p, Map.of()).entrySet()) {
                String pattern = r.getKey();
                String literal = pattern.replaceAll("[+*].*$", "");
                if ((literal.startsWith(prefix) || prefix.startsWith(literal)) && !r.getValue().contains("deny") && !r.getValue().isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean matches(String pattern, String path) {
        boolean glob = pattern.endsWith("*");
        String body = glob ? pattern.substring(0, pattern.length() - 1) : pattern;
        List<String> want = new ArrayList<>(List.of(body.split("/", -1)));
        List<String> got = new ArrayList<>(List.of(path.split("/", -1)));
        if (!glob) {
            if (want.size() != got.size()) {
                return false;
            }
            for (int i = 0; i < want.size(); i++) {
                if (!want.get(i).equals("+") && !want.get(i).equals(got.get(i))) {
                    return false;
                }
            }
            return true;
        }
        // Prefix match, where each '+' stands for one whole segment.
        if (got.size() < want.size()) {
            return false;
        }
        for (int i = 0; i < want.size() - 1; i++) {
            if (!want.get(i).equals("+") && !want.get(i).equals(got.get(i))) {
                return false;
            }
        }
        String last = want.get(want.size() - 1);
        return got.get(want.size() - 1).startsWith(last);
    }

    private static int compareSpecificity(String a, String b) {
        boolean ga = a.endsWith("*") || a.contains("+");
        boolean gb = b.endsWith("*") || b.contains("+");
        if (ga != gb) {
            return ga ? -1 : 1;
        }
        return Integer.compare(a.replace("*", "").length(), b.replace("*", "").length());
    }

    private static Instant min(Instant a, Instant b) {
        return b == null || a.isBefore(b) ? a : b;
    }

    static Map<String, Object> authBlock(TokenEntry t, Instant now) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", t.id);
        auth.put("accessor", t.accessor);
        auth.put("policies", List.copyOf(t.policies));
        auth.put("token_policies", List.copyOf(t.policies));
        auth.put("metadata", t.metadata);
        auth.put("lease_duration", t.secondsLeft(now));
        auth.put("renewable", t.renewable);
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", true);
        auth.put("mfa_requirement", null);
        auth.put("num_uses", 0);
        return auth;
    }
}
