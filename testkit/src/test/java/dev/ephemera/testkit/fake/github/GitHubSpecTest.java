package dev.ephemera.testkit.fake.github;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The GitHub spec checker")
class GitHubSpecTest {
    private final GitHubSpec spec = GitHubSpec.load();

    @Test
    @DisplayName("finds the most specific operation for a path")
    void findsOperations() {
        assertThat(spec.find("PUT", "/repos/acme/shop/environments/pr-42/secrets/E2E").orElseThrow().getKey().id())
                .isEqualTo("actions/create-or-update-environment-secret");
        assertThat(spec.find("PUT", "/repos/acme/shop/environments/pr-42").orElseThrow().getKey().id())
                .isEqualTo("repos/create-or-update-environment");
        assertThat(spec.find("GET", "/repos/acme/shop/actions/secrets/public-key").orElseThrow().getKey().id())
                .isEqualTo("actions/get-repo-public-key");
        assertThat(spec.find("PUT", "/repos/acme/shop/environments/release%2Fprod").orElseThrow().getValue())
                .containsEntry("environment_name", "release/prod");
        assertThat(spec.find("GET", "/user")).isEmpty();
    }

    @Test
    @DisplayName("accepts a conforming secret body and refuses a broken one")
    void checksSecretBodies() {
        var op = spec.find("PUT", "/repos/acme/shop/actions/secrets/X").orElseThrow().getKey();
        assertThat(spec.checkRequest(op, "{\"encrypted_value\":\"c2VjcmV0\",\"key_id\":\"1\"}")).isEmpty();
        assertThat(spec.checkRequest(op, "{\"encrypted_value\":\"not base64!\"}")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(spec.checkRequest(op, "")).isNotEmpty();
    }

    @Test
    @DisplayName("resolves references into the components, and honours additionalProperties: false")
    void resolvesReferences() {
        var op = spec.find("PUT", "/repos/acme/shop/environments/pr-42").orElseThrow().getKey();
        assertThat(spec.checkRequest(op, "{}")).isEmpty();
        assertThat(spec.checkRequest(op, "{\"wait_timer\":\"soon\"}")).isNotEmpty();
        assertThat(spec.checkRequest(op, "{\"unknown\":1}")).isNotEmpty();
        assertThat(spec.checkRequest(op, "")).isEmpty();
    }

    @Test
    @DisplayName("checks responses against the listed schema")
    void checksResponses() {
        var op = spec.find("GET", "/repos/acme/shop/actions/secrets/public-key").orElseThrow().getKey();
        assertThat(spec.checkResponse(op, 200, "{\"key_id\":\"1\",\"key\":\"abc\"}")).isEmpty();
        assertThat(spec.checkResponse(op, 200, "{\"key\":\"abc\"}")).isNotEmpty();
    }
}
