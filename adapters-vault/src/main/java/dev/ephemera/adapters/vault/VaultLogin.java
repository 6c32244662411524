package dev.ephemera.adapters.vault;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** How the adapter gets a Vault token: a fixed one, or a login it can repeat when the token dies. */
sealed interface VaultLogin {

    /** The login request to send, or empty for a fixed token that cannot be renewed by logging in again. */
    Optional<Request> request();

    /** What to call this method in messages. */
    String describe();

    /** A login request: where to POST it and its body. */
    record Request(String path, ObjectNode body) {
    }

    static VaultLogin from(VaultSettings s) {
        return switch (s.auth()) {
            case TOKEN -> new FixedToken(s.token().orElseThrow());
            case APPROLE -> new AppRole(s.approleMount(), s.roleId().orElseThrow(), s.secretId().orElseThrow());
            case KUBERNETES -> new Kubernetes(s.kubernetesMount(), s.kubernetesRole().orElseThrow(), s.kubernetesTokenFile());
        };
    }

    /** A token given in the configuration. */
    record FixedToken(Secret token) implements VaultLogin {
        @Override
        public Optional<Request> request() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "the token in vault.token";
        }
    }

    /** AppRole: role id and secret id. */
    record AppRole(String mount, String roleId, Secret secretId) implements VaultLogin {
        @Override
        public Optional<Request> request() {
            ObjectNode body = VaultHttp.JSON.createObjectNode();
            body.put("role_id", roleId);
            body.put("secret_id", secretId.reveal());
            return Optional.of(new Request("auth/" + mount + "/login", body));
        }

        @Override
        public String describe() {
            return "AppRole login at auth/" + mount + " (vault.role-id, vault.secret-id)";
        }

        @Override
        public String toString() {
            return "AppRole[mount=" + mount + ", roleId=" + roleId + "]";
        }
    }

    /**
     * Kubernetes auth with a projected service-account token. The file is read at every login,
     * because the kubelet rotates it: a token read once at start is refused an hour later.
     */
    record Kubernetes(String mount, String role, Path tokenFile) implements VaultLogin {
        @Override
        public Optional<Request> request() {
            String jwt;
            try {
                jwt = Files.readString(tokenFile).trim();
            } catch (NoSuchFileException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "the Kubernetes service-account token " + tokenFile
                        + " does not exist; mount a projected token there or set vault.kubernetes-token-file");
            } catch (IOException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot read the Kubernetes service-account token " + tokenFile + ": " + e.getMessage(), e);
            }
            if (jwt.isEmpty()) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "the Kubernetes service-account token " + tokenFile + " is empty");
            }
            ObjectNode body = VaultHttp.JSON.createObjectNode();
            body.put("role", role);
            body.put("jwt", jwt);
            return Optional.of(new Request("auth/" + mount + "/login", body));
        }

        @Override
        public String describe() {
            return "Kubernetes login at auth/" + mount + " as role " + role + " with " + tokenFile;
        }
    }
}
