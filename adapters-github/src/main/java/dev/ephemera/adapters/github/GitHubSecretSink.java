package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import dev.ephemera.ports.secret.SecretSink;
import dev.ephemera.ports.spi.Health;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes GitHub Actions secrets: a repository secret, or with {@code environment} an
 * environment secret (creating the environment when allowed). Each value is sealed with the
 * public key fetched right before the write, so a rotated key never catches us out. Names and
 * sizes are checked before any call.
 */
final class GitHubSecretSink implements SecretSink {
    private static final Logger LOG = LoggerFactory.getLogger(GitHubSecretSink.class);

    private final GitHubClient client;
    private final SealedBox sealedBox;

    GitHubSecretSink(GitHubClient client) {
        this.client = client;
        this.sealedBox = new SealedBox();
    }

    @Override
    public void put(SecretAddress address, Secret value) {
        Target t = target(address);
        SecretNames.checkSize(value.length());
        PublicKey key = publicKey(t, true);
        byte[] plain = value.revealBytes();
        byte[] sealed;
        try {
            sealed = sealedBox.seal(plain, key.bytes());
        } catch (IllegalArgumentException e) {
            throw EphemeraException.backend("GitHub's public key " + key.id() + " for " + t + " cannot be used: " + e.getMessage(), null);
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("encrypted_value", Base64.getEncoder().encodeToString(sealed));
        body.put("key_id", key.id());
        GitHubResponse r = client.callOk(t.repo(), "PUT", t.secretsPath() + "/" + Repo.segment(address.name()), body, true);
        LOG.info("github secret written target={} name={} created={}", t, address.name(), r.status() == 201);
    }

    @Override
    public void delete(SecretAddress address) {
        Target t = target(address);
        GitHubResponse r = client.call(t.repo(), "DELETE", t.secretsPath() + "/" + Repo.segment(address.name()), null, true);
        if (r.status() == 404 || r.ok()) {
            LOG.info("github secret deleted target={} name={} existed={}", t, address.name(), r.ok());
            return;
        }
        throw client.api().failure("DELETE", r, client.auth().describe(Optional.of(t.repo())));
    }

    @Override
    public Health health() {
        try {
            String call = client.auth().probe();
            return Health.up("Actions secrets as " + client.describe() + " (" + call + " answered)");
        } catch (RuntimeException e) {
            return Health.down(e.getMessage());
        }
    }

    private Target target(SecretAddress address) {
        SecretNames.checkName(address.name());
        Repo repo = Repo.parse(address.scope());
        address.environment().ifPresent(SecretNames::checkEnvironment);
        return new Target(repo, address.environment());
    }

    private PublicKey publicKey(Target t, boolean mayCreateEnvironment) {
        GitHubResponse r = client.call(t.repo(), "GET", t.secretsPath() + "/public-key", null, true);
        if (r.status() == 404 && t.environment().isPresent()) {
            if (!mayCreateEnvironment || !client.settings().createEnvironments()) {
                throw EphemeraException.notFound("environment '" + t.environment().get() + "' does not exist in " + t.repo()
                        + " (or these credentials cannot see it): create it, or set github.create-environments: true");
            }
            // Created only when missing: a PUT on an existing environment could reset its protection rules.
            client.callOk(t.repo(), "PUT", t.environmentPath(), Map.of(), true);
            LOG.info("github environment created repo={} environment={}", t.repo(), t.environment().get());
            return publicKey(t, false);
        }
        if (!r.ok()) {
            throw client.api().failure("GET", r, client.auth().describe(Optional.of(t.repo())));
        }
        JsonNode json = r.json(client.mapper());
        String id = json.path("key_id").asText("");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(json.path("key").asText(""));
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (id.isEmpty() || bytes.length != SealedBox.PUBLIC_KEY_BYTES) {
            throw EphemeraException.backend("GitHub's public key for " + t + " is not a 32-byte base64 X25519 key with a key_id", null);
        }
        return new PublicKey(id, bytes);
    }

    private record PublicKey(String id, byte[] bytes) {
    }

    /** A repository, or one of its environments. */
    private record Target(Repo repo, Optional<String> environment) {
        String environmentPath() {
            return repo.path() + "/environments/" + Repo.segment(environment.orElseThrow());
        }

        String secretsPath() {
            return environment.isPresent() ? environmentPath() + "/secrets" : repo.path() + "/actions/secrets";
        }

        @Override
        public String toString() {
            return repo + environment.map(e -> " environment " + e).orElse("");
        }
    }
}
