package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("/v1/pools through the real server")
class PoolsApiTest {
    @TempDir
    Path dir;
    private ApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    @DisplayName("create, allocate, read leases and capacity, release")
    void poolLifecycle() throws Exception {
        api = ApiServer.start(dir, "", Map.of());

        HttpResponse<String> created = api.post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.10-10.0.0.13\", \"exclude\": [\"10.0.0.10\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(ApiServer.json(created).path("size").asInt()).isEqualTo(3);
        assertThat(api.post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.10-10.0.0.13\", \"exclude\": [\"10.0.0.10\"]}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> clash = api.post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.20-10.0.0.29\"}");
        assertThat(clash.statusCode()).isEqualTo(409);
        assertThat(ApiServer.json(clash).path("code").asText()).isEqualTo("CONFLICT");

        HttpResponse<String> a = api.post("/v1/pools/lab/allocate", "{\"holder\": \"pr-1\", \"ttl\": \"1h\"}");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(ApiServer.json(a).path("address").asText()).isEqualTo("10.0.0.11");
        assertThat(ApiServer.json(a).path("expiresAt").isTextual()).isTrue();
        assertThat(ApiServer.json(api.post("/v1/pools/lab/allocate", "{\"holder\": \"pr-1\"}")).path("address").asText()).isEqualTo("10.0.0.11");
        api.post("/v1/pools/lab/allocate", "{\"holder\": \"pr-2\"}");
        api.post("/v1/pools/lab/allocate", "{\"holder\": \"pr-3\"}");
        HttpResponse<String> full = api.post("/v1/pools/lab/allocate", "{\"holder\": \"pr-4\"}");
        assertThat(full.statusCode()).isEqualTo(409);
        assertThat(ApiServer.json(full).path("code").asText()).isEqualTo("POOL_EXHAUSTED");

        JsonNode pool = ApiServer.json(api.get("/v1/pools/lab"));
        assertThat(pool.at("/capacity/total").asInt()).isEqualTo(3);
        assertThat(pool.at("/capacity/free").asInt()).isZero();
        assertThat(pool.path("leases")).extracting(l -> l.path("holder").asText()).containsExactly("pr-1", "pr-2", "pr-3");

        HttpResponse<String> released = api.post("/v1/pools/lab/release", "{\"holder\": \"pr-2\"}");
        assertThat(released.statusCode()).isEqualTo(200);
        assertThat(ApiServer.json(released).at("/released/address").asText()).isEqualTo("10.0.0.12");
        assertThat(ApiServer.json(api.post("/v1/pools/lab/release", "{\"holder\": \"pr-2\"}")).path("released").isNull()).isTrue();
        assertThat(ApiServer.json(api.get("/v1/pools/lab")).at("/capacity/free").asInt()).isEqualTo(1);
    }

    @Test
    @DisplayName("bad input is 400 and changes nothing; an unknown pool is 404")
    void badInput() throws Exception {
        api = ApiServer.start(dir, "", Map.of());
        api.post("/v1/pools", "{\"name\": \"lab\", \"range\": \"10.0.0.10-10.0.0.13\"}");
        for (String[] bad : new String[][] {
            {"/v1/pools", "{\"name\": \"x\", \"range\": \"10.0.0.9-10.0.0.1\"}"},
            {"/v1/pools", "{\"name\": \"Bad Name\", \"range\": \"10.0.0.1-10.0.0.2\"}"},
            {"/v1/pools", "{\"name\": \"y\", \"range\": \"10.0.0.1-10.0.0.2\", \"size\": 3}"},
            {"/v1/pools/lab/allocate", "{\"holder\": \"\"}"},
            {"/v1/pools/lab/allocate", "{\"holder\": \"pr-1\", \"ttl\": \"never\"}"},
            {"/v1/pools/lab/allocate", "not json"},
            {"/v1/pools/lab/release", "{}"}}) {
            HttpResponse<String> r = api.post(bad[0], bad[1]);
            assertThat(r.statusCode()).as(bad[0] + " " + bad[1] + ": " + r.body()).isEqualTo(400);
            assertThat(ApiServer.json(r).path("code").asText()).isEqualTo("INVALID");
        }
        assertThat(ApiServer.json(api.get("/v1/pools/lab")).path("leases")).isEmpty();
        assertThat(api.get("/v1/pools/x").statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/pools/nope/allocate", "{\"holder\": \"pr-1\"}").statusCode()).isEqualTo(404);
    }
}
