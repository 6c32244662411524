package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;

/** A Hetzner location, e.g. {@code fsn1} (Falkenstein) in network zone {@code eu-central}. */
public record Location(long id, String name, String description, String city, String country, String networkZone) {
    static Location from(JsonNode n) {
        return new Location(n.path("id").asLong(), Json.text(n, "name", ""), Json.text(n, "description", ""),
                Json.text(n, "city", ""), Json.text(n, "country", ""), Json.text(n, "network_zone", ""));
    }
}
