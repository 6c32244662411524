package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One answer from Vault: the status, the JSON body (missing when there was none or it was not
 * JSON), the raw text for messages, and how many attempts it took.
 */
record VaultResponse(int status, JsonNode body, String text, HttpHeaders headers, int attempts) {
    VaultResponse {
        if (attempts < 1) {
            throw new IllegalArgumentException("an answer follows at least one attempt");
        }
    }

    VaultResponse(int status, JsonNode body, String text, HttpHeaders headers) {
        this(status, body, text, headers, 1);
    }

    /** This answer, as the last of {@code n} attempts. */
    VaultResponse afterAttempts(int n) {
        return new VaultResponse(status, body, text, headers, n);
    }

    static VaultResponse of(int status, JsonNode body) {
        return new VaultResponse(status, body == null ? MissingNode.getInstance() : body, body == null ? "" : body.toString(),
                HttpHeaders.of(java.util.Map.of(), (a, b) -> true));
    }

    boolean ok() {
        return status >= 200 && status < 300;
    }

    /** Vault's {@code errors} array, each entry flattened to one line. */
    List<String> errors() {
        List<String> out = new ArrayList<>();
        body.path("errors").forEach(e -> out.add(flatten(e.asText())));
        return out;
    }

    /** Whether an error message contains {@code text} (case-insensitive). */
    boolean mentions(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        for (JsonNode e : body.path("errors")) {
            if (e.asText().toLowerCase(java.util.Locale.ROOT).contains(t)) {
                return true;
            }
        }
        return false;
    }

    /** A 403 for a bad, expired or revoked token (Vault 1.17+: "permission denied" and "invalid token" together). */
    boolean invalidToken() {
        return status == 403 && mentions("invalid token");
    }

    String errorsText() {
        List<String> e = errors();
        if (!e.isEmpty()) {
            return String.join("; ", e);
        }
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }

    /** {@code data} of the envelope. */
    JsonNode data() {
        return body.path("data");
    }

    JsonNode auth() {
        return body.path("auth");
    }

    List<String> warnings() {
        List<String> out = new ArrayList<>();
        body.path("warnings").forEach(w -> out.add(w.asText()));
        return out;
    }

    Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** Vault's multi-error text ("1 error occurred:\n\t* permission denied\n\n") as one line. */
    static String flatten(String message) {
        String m = message.replaceAll("^\\d+ errors? occurred:\\s*", "").replaceAll("\\s*\\n\\t\\* ", ", ").replace("\t* ", "").trim();
        return m.replaceAll("\\s+", " ").replaceAll("^, ", "");
    }
}
