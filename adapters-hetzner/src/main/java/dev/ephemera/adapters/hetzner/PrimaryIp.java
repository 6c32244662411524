package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A primary IP: an address that exists before (and, without {@code autoDelete}, after) the server
 * it is assigned to. Unassigned primary IPv4s are billed.
 */
public record PrimaryIp(long id, String name, String ip, String type, OptionalLong assigneeId, boolean autoDelete,
                        Map<String, String> labels) {
    public PrimaryIp {
        labels = Map.copyOf(labels);
    }

    static PrimaryIp from(JsonNode n) {
        return new PrimaryIp(n.path("id").asLong(), Json.text(n, "name", ""), Json.text(n, "ip", ""),
                Json.text(n, "type", ""), Json.number(n, "assignee_id"), n.path("auto_delete").asBoolean(false), Json.labels(n));
    }
}
