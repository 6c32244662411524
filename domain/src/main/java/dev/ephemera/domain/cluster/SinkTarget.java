package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Optional;

/**
 * Where a cluster's kubeconfig is pushed when it becomes ready, and deleted from when it goes.
 *
 * @param sink        the secret sink's name ({@code github}, {@code vault}, {@code file}, …)
 * @param scope       where in the sink ({@code OWNER/REPO} for GitHub, a path for Vault, a directory for files)
 * @param environment a GitHub environment such as {@code pr-42}, if any
 * @param name        the secret's name, e.g. {@code E2E_KUBECONFIG}
 */
public record SinkTarget(String sink, String scope, Optional<String> environment, String name) {
    public SinkTarget {
        if (sink == null || sink.isBlank() || name == null || name.isBlank()) {
            throw EphemeraException.invalid("a push target needs a sink and a secret name");
        }
        scope = scope == null ? "" : scope;
        environment = environment == null ? Optional.empty() : environment;
    }

    /**
     * Parses {@code SINK:SCOPE:NAME} as given to {@code --push}, e.g. {@code github:acme/shop:E2E_KUBECONFIG};
     * a scope {@code OWNER/REPO@ENV} names a GitHub environment.
     */
    public static SinkTarget parse(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length != 3 || parts[0].isBlank() || parts[2].isBlank()) {
            throw EphemeraException.invalid("push target '" + text + "' is invalid: write SINK:SCOPE:NAME, e.g. github:acme/shop:E2E_KUBECONFIG or file::kubeconfig");
        }
        String scope = parts[1];
        Optional<String> env = Optional.empty();
        int at = scope.indexOf('@');
        if (at >= 0) {
            env = Optional.of(scope.substring(at + 1));
            scope = scope.substring(0, at);
        }
        return new SinkTarget(parts[0], scope, env, parts[2]);
    }

    @Override
    public String toString() {
        return sink + ":" + scope + environment.map(e -> "@" + e).orElse("") + ":" + name;
    }
}
