package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** An image a server boots from, e.g. the system image {@code ubuntu-24.04} for {@code x86}. */
public record Image(long id, Optional<String> name, String description, String type, String architecture, String status,
                    boolean deprecated) {
    static Image from(JsonNode n) {
        return new Image(n.path("id").asLong(), Json.text(n, "name"), Json.text(n, "description", ""),
                Json.text(n, "type", ""), Json.text(n, "architecture", ""), Json.text(n, "status", ""),
                Json.text(n, "deprecated").isPresent());
    }
}
