package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A server type (size) with its price in each location it is sold in.
 *
 * @param locations names of the locations where the type exists and is not deprecated
 */
public record ServerType(long id, String name, String description, int cores, double memoryGb, double diskGb,
                         String architecture, String cpuType, boolean deprecated, List<String> locations, List<Price> prices) {
    public ServerType {
        locations = List.copyOf(locations);
        prices = List.copyOf(prices);
    }

    /**
     * Price of one server of this type in one location, in euros as Hetzner states them (decimal strings).
     * Servers cost money from creation until deletion, powered off or not.
     */
    public record Price(String location, BigDecimal hourlyNet, BigDecimal hourlyGross, BigDecimal monthlyNet,
                        BigDecimal monthlyGross) {
    }

    public Optional<Price> priceIn(String location) {
        return prices.stream().filter(p -> p.location().equals(location)).findFirst();
    }

    public boolean availableIn(String location) {
        return locations.contains(location);
    }

    static ServerType from(JsonNode n) {
        List<String> locations = new ArrayList<>();
        for (JsonNode l : n.path("locations")) {
            if (l.path("deprecation").isNull() || l.path("deprecation").isMissingNode()) {
                locations.add(l.path("name").asText());
            }
        }
        List<Price> prices = new ArrayList<>();
        for (JsonNode p : n.path("prices")) {
            prices.add(new Price(p.path("location").asText(), decimal(p.path("price_hourly").path("net")),
                    decimal(p.path("price_hourly").path("gross")), decimal(p.path("price_monthly").path("net")),
                    decimal(p.path("price_monthly").path("gross"))));
        }
        return new ServerType(n.path("id").asLong(), Json.text(n, "name", ""), Json.text(n, "description", ""),
                n.path("cores").asInt(), n.path("memory").asDouble(), n.path("disk").asDouble(),
                Json.text(n, "architecture", "x86"), Json.text(n, "cpu_type", ""), n.path("deprecated").asBoolean(false),
                locations, prices);
    }

    private static BigDecimal decimal(JsonNode n) {
        try {
            return new BigDecimal(n.asText("0"));
        } catch (NumberFormatException e) {
            return BigDecimal.ZERO;
        }
    }
}
