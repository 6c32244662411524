package dev.ephemera.server;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.Settings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The bearer tokens the API accepts, each with a name and a {@link Scope}: {@code server.token}
 * (name {@code server}, scope {@code admin}) and the named tokens of {@code server.tokens}, whose
 * scopes {@code server.token-scopes} gives (default {@code claim}). Token values come only from
 * {@code env:} or {@code file:} references. A presented token is compared with every configured
 * one in constant time, so timing tells nothing about which one nearly matched.
 */
public final class ApiTokens {
    /** The name {@code server.token} goes by, e.g. as the claimer of a cluster. */
    public static final String SERVER_TOKEN_NAME = "server";
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]{0,62})");

    private record Entry(String name, Scope scope, byte[] header) {
    }

    private final List<Entry> entries;

    private ApiTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No tokens: the API is open. */
    public static ApiTokens none() {
        return new ApiTokens(List.of());
    }

    /**
     * Builds the tokens: {@code serverToken} (the value of {@code server.token}) and the named tokens of the
     * {@code server:} section, whose references the configuration loader has already resolved.
     */
    public static ApiTokens from(Optional<Secret> serverToken, Settings server) {
        List<Entry> entries = new ArrayList<>();
        serverToken.filter(t -> !t.isEmpty()).ifPresent(t -> entries.add(entry(SERVER_TOKEN_NAME, Scope.ADMIN, t)));
        Settings named = server.section("tokens");
        Settings scopes = server.section("token-scopes");
        for (String name : scopes.keys()) {
            if (!named.keys().contains(name)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, scopes.qualify(name) + " gives a scope to a token that "
                        + server.qualify("tokens") + " does not define; add " + named.qualify(name) + ": env:VARIABLE");
            }
        }
        for (String name : named.keys()) {
            if (!NAME.matcher(name).matches() || name.equals(SERVER_TOKEN_NAME)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, named.qualify(name) + ": a token name is lower-case letters, digits, '-', '_'"
                        + " and '.' (and not '" + SERVER_TOKEN_NAME + "', which is server.token's)");
            }
            Secret value = named.secret(name).filter(s -> !s.isEmpty()).orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION,
                    named.qualify(name) + " is empty; give it as env:VARIABLE or file:/path"));
            Scope scope = scopes.string(name).map(s -> Scope.parse(scopes.qualify(name), s)).orElse(Scope.CLAIM);
            entries.add(entry(name, scope, value));
        }
        for (int i = 0; i < entries.size(); i++) {
            for (int j = i + 1; j < entries.size(); j++) {
                if (MessageDigest.isEqual(entries.get(i).header(), entries.get(j).header())) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "API tokens '" + entries.get(i).name() + "' and '" + entries.get(j).name()
                            + "' have the same value; every token must be distinct so a request names one caller");
                }
            }
        }
        return new ApiTokens(entries);
    }

    /** For tests and embedding: one named token. */
    public ApiTokens with(String name, Scope scope, Secret value) {
        List<Entry> next = new ArrayList<>(entries);
        next.add(entry(name, scope, value));
        return new ApiTokens(next);
    }

    private static Entry entry(String name, Scope scope, Secret value) {
        return new Entry(name, scope, ("Bearer " + value.reveal()).getBytes(StandardCharsets.UTF_8));
    }

    /** True when no token is configured: every request is let in as {@link Caller#OPEN}. */
    public boolean open() {
        return entries.isEmpty();
    }

    /** The names of the configured tokens with their scopes, e.g. {@code [server:admin, ci:claim]} (never a value). */
    public List<String> describe() {
        return entries.stream().map(e -> e.name() + ":" + e.scope().text()).toList();
    }

    /**
     * The caller an {@code Authorization} header value identifies; empty when no configured token
     * matches. Every configured token is compared, each in constant time.
     */
    public Optional<Caller> authenticate(String authorization) {
        if (open()) {
            return Optional.of(Caller.OPEN);
        }
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.header(), given) && found == null) {
                found = e;
            }
        }
        return Optional.ofNullable(found).map(e -> new Caller(e.name(), e.scope()));
    }

    @Override
    public String toString() {
        return "ApiTokens" + describe();
    }
}
