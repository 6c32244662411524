package dev.ephemera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.cli.remote.ApiClient;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code pool} commands in client mode, through {@code /v1/pools} (docs/server.md). The server
 * has no route that lists pools, so the pool is named with {@code --pool} or
 * {@code $EPHEMERA_POOLS_DEFAULT}.
 */
final class RemotePoolService implements PoolService {
    static final String DEFAULT_POOL_VARIABLE = "EPHEMERA_POOLS_DEFAULT";

    private final ApiClient api;
    private final Map<String, String> env;

    RemotePoolService(ApiClient api, Map<String, String> env) {
        this.api = api;
        this.env = Map.copyOf(env);
    }

    @Override
    public String poolName(Optional<String> given) {
        return given.or(() -> Optional.ofNullable(env.get(DEFAULT_POOL_VARIABLE)).filter(s -> !s.isBlank())).orElseThrow(() ->
                EphemeraException.invalid("which pool? against a server (" + api.target().base() + ") name it with --pool NAME or "
                        + DEFAULT_POOL_VARIABLE + "=NAME"));
    }

    private static String path(String pool) {
        return "/v1/pools/" + pool;
    }

    @Override
    public Definition create(String name, String rangeOrCidr, List<String> exclude) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("range", rangeOrCidr);
        body.put("exclude", exclude);
        JsonNode p = api.call("POST", "/v1/pools", Optional.of(body));
        List<String> excluded = new ArrayList<>();
        p.path("excluded").forEach(e -> excluded.add(e.asText()));
        return new Definition(p.path("name").asText(), p.path("range").asText(), excluded, p.path("size").asInt());
    }

    private static LeaseRow row(JsonNode l) {
        return new LeaseRow(l.path("holder").asText(), l.path("address").asText(), instant(l.path("grantedAt")), instant(l.path("expiresAt")));
    }

    /** An instant as the local path prints it ({@link Instant#toString()}); empty for none. */
    private static String instant(JsonNode n) {
        return n.isTextual() ? Instant.parse(n.asText()).toString() : "";
    }

    @Override
    public LeaseRow allocate(String pool, String holder, Optional<Duration> ttl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("holder", holder);
        ttl.ifPresent(t -> body.put("ttl", t.toString()));
        return row(api.call("POST", path(pool) + "/allocate", Optional.of(body)));
    }

    @Override
    public Optional<String> release(String pool, String holder) {
        JsonNode r = api.call("POST", path(pool) + "/release", Optional.of(Map.of("holder", holder)));
        JsonNode freed = r.path("released");
        return freed.isObject() ? Optional.of(freed.path("address").asText()) : Optional.empty();
    }

    @Override
    public List<LeaseRow> leases(String pool) {
        List<LeaseRow> rows = new ArrayList<>();
        api.call("GET", path(pool), Optional.empty()).path("leases").forEach(l -> rows.add(row(l)));
        return rows;
    }

    @Override
    public Capacity capacity(String pool) {
        JsonNode c = api.call("GET", path(pool), Optional.empty()).path("capacity");
        return new Capacity(pool, c.path("total").asInt(), c.path("leased").asInt(), c.path("free").asInt());
    }
}
