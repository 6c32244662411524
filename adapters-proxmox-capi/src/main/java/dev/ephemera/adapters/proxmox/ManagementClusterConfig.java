package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The fabric8 configuration for the management cluster: a kubeconfig (with a context), the pod's service account, or fabric8's own search. */
final class ManagementClusterConfig {
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private ManagementClusterConfig() {
    }

    static Config of(ProxmoxCapiSettings s, Map<String, String> env) {
        return of(ProxmoxCapiSettings.SECTION, s.kubeconfig(), s.context(), s.inCluster(), env);
    }

    /** @param section the configuration section the settings come from, named in errors */
    static Config of(String section, Optional<String> kubeconfig, Optional<String> context, boolean inCluster, Map<String, String> env) {
        if (inCluster) {
            return inCluster(section, env, SERVICE_ACCOUNT);
        }
        if (kubeconfig.isPresent() || context.isPresent()) {
            Path file = Path.of(kubeconfig.orElseGet(() -> firstKubeconfig(env)));
            if (!Files.isReadable(file)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " of the management cluster cannot be read: set "
                        + section + ".kubeconfig to a readable file, or " + section + ".in-cluster: true inside a pod");
            }
            try {
                return Config.fromKubeconfig(context.orElse(null), Files.readString(file, StandardCharsets.UTF_8), file.toString());
            } catch (IOException | RuntimeException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " of the management cluster cannot be used"
                        + context.map(c -> " with context " + c).orElse("") + ": " + e.getMessage(), e);
            }
        }
        // Nothing asked for: fabric8 looks at $KUBECONFIG, ~/.kube/config, then the service account.
        return Config.autoConfigure(null);
    }

    private static String firstKubeconfig(Map<String, String> env) {
        String k = env.get("KUBECONFIG");
        if (k != null && !k.isBlank()) {
            return k.split(java.io.File.pathSeparator)[0];
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config").toString();
    }

    static Config inCluster(Map<String, String> env, Path dir) {
        return inCluster(ProxmoxCapiSettings.SECTION, env, dir);
    }

    static Config inCluster(String section, Map<String, String> env, Path dir) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        Path token = dir.resolve("token");
        if (host == null || host.isBlank() || !Files.isReadable(token)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, section + ".in-cluster is true but this is not a pod "
                    + "with a service account (KUBERNETES_SERVICE_HOST unset or " + token + " unreadable); give "
                    + section + ".kubeconfig instead");
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        ConfigBuilder b = new ConfigBuilder(Config.empty())
                .withMasterUrl("https://" + h + ":" + port)
                .withOauthTokenProvider(() -> {
                    try {
                        return Files.readString(token, StandardCharsets.UTF_8).trim();
                    } catch (IOException e) {
                        throw new IllegalStateException("service account token " + token + " cannot be read", e);
                    }
                });
        Path ca = dir.resolve("ca.crt");
        if (Files.isReadable(ca)) {
            b.withCaCertFile(ca.toString());
        }
        return b.build();
    }
}
