package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A Hetzner Cloud server as the API reports it.
 *
 * @param status one of {@code initializing, starting, running, stopping, off, deleting, migrating, rebuilding, unknown}
 */
public record Server(long id, String name, String status, Map<String, String> labels, Optional<String> ipv4,
                     Optional<String> ipv6, String serverType, String location, Optional<Instant> created, boolean locked) {
    public Server {
        labels = Map.copyOf(labels);
    }

    static Server from(JsonNode n) {
        JsonNode net = n.path("public_net");
        Optional<String> v4 = net.path("ipv4").isObject() ? Json.text(net.path("ipv4"), "ip") : Optional.empty();
        Optional<String> v6 = net.path("ipv6").isObject() ? Json.text(net.path("ipv6"), "ip") : Optional.empty();
        return new Server(n.path("id").asLong(), Json.text(n, "name", ""), Json.text(n, "status", "unknown"), Json.labels(n),
                v4, v6, Json.text(n.path("server_type"), "name", ""), Json.text(n.path("location"), "name", ""),
                Json.instant(n, "created"), n.path("locked").asBoolean(false));
    }
}
