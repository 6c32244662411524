package dev.ephemera.testkit.fake.vault;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One request as the fake Vault received it.
 *
 * @param method    HTTP method as sent ({@code LIST} included)
 * @param path      path after {@code /v1/}, e.g. {@code secret/data/ephemera/pools/lab}
 * @param query     raw query string, empty if none
 * @param namespace value of {@code X-Vault-Namespace}, if sent
 * @param body      request body as text (empty if none)
 * @param at        when it arrived, by the fake's clock
 */
public record RecordedRequest(String method, String path, String query, Optional<String> namespace, String body, Instant at) {

    public boolean isWrite() {
        return method.equals("POST") || method.equals("PUT") || method.equals("DELETE") || method.equals("PATCH");
    }

    /** Writes (POST/PUT/PATCH/DELETE) whose path contains {@code fragment}. */
    public static Predicate<RecordedRequest> writesTo(String fragment) {
        return r -> r.isWrite() && r.path().contains(fragment);
    }

    /** Any request whose path contains {@code fragment}. */
    public static Predicate<RecordedRequest> to(String fragment) {
        return r -> r.path().contains(fragment);
    }

    @Override
    public String toString() {
        return method + " /v1/" + path + (query.isEmpty() ? "" : "?" + query) + namespace.map(n -> " [ns " + n + "]").orElse("");
    }
}
