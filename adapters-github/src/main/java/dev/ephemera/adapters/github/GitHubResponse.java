package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Optional;

/** One answer from the API: status, headers and the body, parsed as JSON on demand. */
record GitHubResponse(int status, HttpHeaders headers, String body, URI uri) {

    boolean ok() {
        return status >= 200 && status < 300;
    }

    Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    JsonNode json(ObjectMapper mapper) {
        if (body == null || body.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** GitHub's {@code message}, or the start of the body when it is not GitHub's error JSON. */
    String message(ObjectMapper mapper) {
        JsonNode m = json(mapper).path("message");
        if (m.isTextual()) {
            return m.asText();
        }
        String b = body == null ? "" : body.strip();
        return b.length() > 200 ? b.substring(0, 200) + "…" : b;
    }
}
