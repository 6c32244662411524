package dev.ephemera.adapters.kubernetes.client;

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

/**
 * Builds the fabric8 client configuration of one settings section (the canary's {@code kubernetes:},
 * the DNS adapter's {@code external-dns:}): a kubeconfig with a context, the pod's service account,
 * or whichever is found. Shared by this module's adapters so each section behaves, and fails, alike.
 */
public final class ClientConfigs {
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    /** The section whose settings also come from the command line ({@code ephemera verify --kubeconfig}) and seed 001's variables. */
    private static final String KUBERNETES = "kubernetes";

    private ClientConfigs() {
    }

    /**
     * @param section    the configuration section the settings come from, named in every error
     * @param kubeconfig a kubeconfig file; absent means {@code $KUBECONFIG}, then {@code ~/.kube/config}
     * @param context    a context of that kubeconfig; absent means its current context
     * @param inCluster  true: the pod's service account; false: a kubeconfig; absent: whichever is found
     */
    public static Config of(String section, Optional<String> kubeconfig, Optional<String> context, Optional<Boolean> inCluster,
                            Map<String, String> env) {
        if (inCluster.orElse(false)) {
            return inCluster(section, env, SERVICE_ACCOUNT);
        }
        if (kubeconfig.isPresent() || inCluster.isPresent() || context.isPresent()) {
            Path file = Path.of(kubeconfig.orElseGet(() -> firstKubeconfig(env)));
            if (!Files.isReadable(file)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be read: set " + section + ".kubeconfig or "
                        + "KUBECONFIG to a readable file, or " + section + ".in-cluster: true inside a pod");
            }
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                return Config.fromKubeconfig(context.orElse(null), text, file.toString());
            } catch (IOException | RuntimeException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be used"
                        + context.map(c -> " with context " + c).orElse("") + " (" + section + "): " + e.getMessage(), e);
            }
        }
        // Neither asked for: fabric8 looks at $KUBECONFIG, ~/.kube/config, then the service account.
        requireSomewhereToLook(section, env, Path.of(System.getProperty("user.home"), ".kube", "config"), SERVICE_ACCOUNT);
        return Config.autoConfigure(null);
    }

    /** {@link #requireSomewhereToLook(String, Map, Path, Path)} for the {@code kubernetes:} section. */
    static void requireSomewhereToLook(Map<String, String> env, Path homeKubeconfig, Path serviceAccount) {
        requireSomewhereToLook(KUBERNETES, env, homeKubeconfig, serviceAccount);
    }

    /**
     * Fails with a configuration error naming every place looked at when there is no kubeconfig and
     * this is not a pod; without it, fabric8 would quietly aim at localhost and every call would time out.
     */
    static void requireSomewhereToLook(String section, Map<String, String> env, Path homeKubeconfig, Path serviceAccount) {
        String k = env.get("KUBECONFIG");
        boolean fromEnv = k != null && !k.isBlank()
                && java.util.Arrays.stream(k.split(java.io.File.pathSeparator)).anyMatch(f -> !f.isBlank() && Files.isReadable(Path.of(f)));
        String host = env.get("KUBERNETES_SERVICE_HOST");
        boolean inPod = host != null && !host.isBlank() && Files.isReadable(serviceAccount.resolve("token"));
        if (fromEnv || Files.isReadable(homeKubeconfig) || inPod) {
            return;
        }
        boolean cli = KUBERNETES.equals(section);
        throw new EphemeraException(ErrorCode.CONFIGURATION, "no Kubernetes cluster to talk to for " + section + ": looked at: "
                + (cli ? "--kubeconfig and " : "") + section + ".kubeconfig"
                + " (not given), KUBECONFIG (" + (k == null || k.isBlank() ? "not set" : k + ": no readable file") + "), "
                + homeKubeconfig + " (not found), in-cluster service account ("
                + (host == null || host.isBlank() ? "not a pod: KUBERNETES_SERVICE_HOST not set" : serviceAccount.resolve("token") + " not readable")
                + "). Give one with " + (cli ? "--kubeconfig FILE (ephemera verify), " : "") + "KUBECONFIG, or " + section
                + ".kubeconfig in ephemera.yaml");
    }

    private static String firstKubeconfig(Map<String, String> env) {
        String k = env.get("KUBECONFIG");
        if (k != null && !k.isBlank()) {
            return k.split(java.io.File.pathSeparator)[0];
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config").toString();
    }

    /** The pod's service account; the token file is read again on each refresh, as projected tokens rotate. */
    public static Config inCluster(String section, Map<String, String> env, Path dir) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        Path token = dir.resolve("token");
        if (host == null || host.isBlank() || !Files.isReadable(token)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "in-cluster configuration asked for (" + section + ".in-cluster"
                    + (KUBERNETES.equals(section) ? " or USE_IN_CLUSTER=true" : "") + ") but this is not a pod with a service account "
                    + "(KUBERNETES_SERVICE_HOST unset or " + token + " unreadable); "
                    + (KUBERNETES.equals(section) ? "set USE_IN_CLUSTER=false and " : "set " + section + ".in-cluster: false and ")
                    + "give a kubeconfig");
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
