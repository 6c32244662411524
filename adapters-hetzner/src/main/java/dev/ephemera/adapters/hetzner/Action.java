package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** An asynchronous Hetzner task (create, start, delete a server), waited on by id. */
public record Action(long id, String command, String status, int progress, Optional<String> errorCode,
                     Optional<String> errorMessage) {
    public boolean running() {
        return "running".equals(status);
    }

    public boolean succeeded() {
        return "success".equals(status);
    }

    public boolean failed() {
        return "error".equals(status);
    }

    static Action from(JsonNode n) {
        JsonNode err = n.path("error");
        return new Action(n.path("id").asLong(), Json.text(n, "command", ""), Json.text(n, "status", "running"),
                n.path("progress").asInt(0), err.isObject() ? Json.text(err, "code") : Optional.empty(),
                err.isObject() ? Json.text(err, "message") : Optional.empty());
    }
}
