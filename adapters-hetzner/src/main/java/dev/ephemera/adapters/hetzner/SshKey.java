package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** An SSH public key stored in the project; only its name and id are ever sent to a server. */
public record SshKey(long id, String name, String fingerprint, Map<String, String> labels) {
    public SshKey {
        labels = Map.copyOf(labels);
    }

    static SshKey from(JsonNode n) {
        return new SshKey(n.path("id").asLong(), Json.text(n, "name", ""), Json.text(n, "fingerprint", ""), Json.labels(n));
    }
}
