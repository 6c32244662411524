package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Builds the fabric8 client configuration from the settings: a kubeconfig, the pod's service account, or whichever is found. */
final class ClientConfigs {
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private ClientConfigs() {
    }

    static Config of(CanaryJobsSettings s, Map<String, String> env) {
        if (s.inCluster().orElse(false)) {
            return inCluster(env, SERVICE_ACCOUNT);
        }
        if (s.kubeconfig().isPresent() || s.inCluster().isPresent() || s.context().isPresent()) {
            Path file = Path.of(s.kubeconfig().orElseGet(() -> firstKubeconfig(env)));
            if (!Files.isReadable(file)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be read: set kubernetes.kubeconfig or KUBECONFIG "
                        + "to a readable file, or kubernetes.in-cluster: true inside a pod");
            }
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                return Config.fromKubeconfig(s.context().orElse(null), text, file.toString());
            } catch (IOException | RuntimeException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be used: " + e.getMessage(), e);
            }
        }
        // Neither asked for: fabric8 looks at $KUBECONFIG, ~/.kube/config, then the service account.
        requireSomewhereToLook(env, Path.of(System.getProperty("user.home"), ".kube", "config"), SERVICE_ACCOUNT);
        return Config.autoConfigure(null);
    }

    /**
     * Fails with a configuration error naming every place looked at when there is no kubeconfig and
     * this is not a pod; without it, fabric8 would quietly aim at localhost and every call would time out.
     */
    static void requireSomewhereToLook(Map<String, String> env, Path homeKubeconfig, Path serviceAccount) {
        String k = env.get("KUBECONFIG");
        boolean fromEnv = k != null && !k.isBlank()
                && java.util.Arrays.stream(k.split(java.io.File.pathSeparator)).anyMatch(f -> !f.isBlank() && Files.isReadable(Path.of(f)));
        String host = env.get("KUBERNETES_SERVICE_HOST");
        boolean inPod = host != null && !host.isBlank() && Files.isReadable(serviceAccount.resolve("token"));
        if (fromEnv || Files.isReadable(homeKubeconfig) || inPod) {
            return;
        }
        throw new EphemeraException(ErrorCode.CONFIGURATION, "no Kubernetes cluster to talk to; looked at: --kubeconfig and kubernetes.kubeconfig"
                + " (not given), KUBECONFIG (" + (k == null || k.isBlank() ? "not set" : k + ": no readable file") + "), "
                + homeKubeconfig + " (not found), in-cluster service account ("
                + (host == null || host.isBlank() ? "not a pod: KUBERNETES_SERVICE_HOST not set" : serviceAccount.resolve("token") + " not readable")
                + "). Give one with --kubeconfig FILE (ephemera verify), KUBECONFIG, or kubernetes.kubeconfig in ephemera.yaml");
    }

    private static String firstKubeconfig(Map<String, String> env) {
        String k = env.get("KUBECONFIG");
        if (k != null && !k.isBlank()) {
            return k.split(java.io.File.pathSeparator)[0];
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config").toString();
    }

    /** The pod's service account; the token file is read again on each refresh, as projected tokens rotate. */
    static Config inCluster(Map<String, String> env, Path dir) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        Path token = dir.resolve("token");
        if (host == null || host.isBlank() || !Files.isReadable(token)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "in-cluster configuration asked for (kubernetes.in-cluster or USE_IN_CLUSTER=true) "
                    + "but this is not a pod with a service account (KUBERNETES_SERVICE_HOST unset or " + token + " unreadable); "
                    + "set USE_IN_CLUSTER=false and give a kubeconfig");
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
        Path ns = dir.resolve("namespace");
        if (Files.isReadable(ns)) {
            try {
                b.withNamespace(Files.readString(ns, StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                // The namespace file only sets a default we do not rely on.
            }
        }
        return b.build();
    }
}
