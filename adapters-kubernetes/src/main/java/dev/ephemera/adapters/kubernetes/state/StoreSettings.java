package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code kubernetes:} section as the two stores read it, and where every Kubernetes adapter of
 * this module but the canary's finds its client configuration (the claim objects, the leader election).
 *
 * @param kubeconfig   a kubeconfig file; absent means {@code $KUBECONFIG}, then {@code ~/.kube/config}
 * @param context      a context of that kubeconfig; absent means its current context
 * @param inCluster    true: the pod's service account; false: a kubeconfig; absent: whichever is found
 * @param namespace    where the records live ({@code store-namespace}; the canary's {@code namespace} narrows its watches and is another key)
 * @param installation the value of the {@code ephemera.dev/installation} label and the prefix of every object name, so
 *                     two installations can share a namespace
 */
public record StoreSettings(Optional<String> kubeconfig, Optional<String> context, Optional<Boolean> inCluster, String namespace,
        String installation) {

    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional("kubeconfig", "Path of the kubeconfig to use; default $KUBECONFIG, then ~/.kube/config", null),
            SettingSpec.optional("context", "Context of the kubeconfig to use; default its current context", null),
            SettingSpec.optional("in-cluster", "true: use the pod's service account; false: use a kubeconfig; default: whichever is found", null),
            SettingSpec.optional("store-namespace", "Namespace of the ConfigMaps and Secrets of state: kubernetes and store: kubernetes", "ephemera"),
            SettingSpec.optional("installation", "Value of the ephemera.dev/installation label and prefix of every object name of the stores, "
                    + "so two installations can share a namespace; default the top-level installation", "default"));

    public StoreSettings {
        if (namespace.length() > 63 || !LABEL.matcher(namespace).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.store-namespace '" + namespace + "' is not a namespace name "
                    + "(lowercase letters, digits and '-', at most 63 characters)");
        }
        // Object names are <installation>-cluster-<id> (ids up to 63) and must stay within 253 characters.
        if (installation.length() > 40 || !LABEL.matcher(installation).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.installation '" + installation + "' must be lowercase letters, "
                    + "digits and '-', start and end with a letter or digit, at most 40 characters");
        }
    }

    public static StoreSettings from(Settings s) {
        Optional<Boolean> inCluster = s.string("in-cluster").isPresent() ? Optional.of(s.bool("in-cluster", false)) : Optional.empty();
        return new StoreSettings(s.string("kubeconfig").filter(v -> !v.isBlank()), s.string("context").filter(v -> !v.isBlank()),
                inCluster, s.string("store-namespace", "ephemera").trim(), s.string("installation", "default").trim());
    }

    /** The client configuration: a kubeconfig, the pod's service account, or whichever fabric8 finds. */
    public Config clientConfig(Map<String, String> env) {
        if (inCluster.orElse(false)) {
            return inClusterConfig(env, SERVICE_ACCOUNT);
        }
        if (kubeconfig.isPresent() || inCluster.isPresent() || context.isPresent()) {
            Path file = Path.of(kubeconfig.orElseGet(() -> firstKubeconfig(env)));
            if (!Files.isReadable(file)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be read: set kubernetes.kubeconfig or KUBECONFIG "
                        + "to a readable file, or kubernetes.in-cluster: true inside a pod");
            }
            try {
                return Config.fromKubeconfig(context.orElse(null), Files.readString(file, StandardCharsets.UTF_8), file.toString());
            } catch (IOException | RuntimeException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubeconfig " + file + " cannot be used: " + e.getMessage(), e);
            }
        }
        return Config.autoConfigure(null);
    }

    private static String firstKubeconfig(Map<String, String> env) {
        String k = env.get("KUBECONFIG");
        if (k != null && !k.isBlank()) {
            return k.split(java.io.File.pathSeparator)[0];
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config").toString();
    }

    /** The pod's service account; the token file is read again on each refresh, as projected tokens rotate. */
    static Config inClusterConfig(Map<String, String> env, Path dir) {
        String host = env.get("KUBERNETES_SERVICE_HOST");
        String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        Path token = dir.resolve("token");
        if (host == null || host.isBlank() || !Files.isReadable(token)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.in-cluster is true but this is not a pod with a service account "
                    + "(KUBERNETES_SERVICE_HOST unset or " + token + " unreadable); set kubernetes.in-cluster: false and give a kubeconfig");
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
