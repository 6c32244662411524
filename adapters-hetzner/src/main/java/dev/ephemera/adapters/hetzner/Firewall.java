package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** A Hetzner firewall, applied to a server's public interface at creation. */
public record Firewall(long id, String name, Map<String, String> labels) {
    public Firewall {
        labels = Map.copyOf(labels);
    }

    static Firewall from(JsonNode n) {
        return new Firewall(n.path("id").asLong(), Json.text(n, "name", ""), Json.labels(n));
    }
}
