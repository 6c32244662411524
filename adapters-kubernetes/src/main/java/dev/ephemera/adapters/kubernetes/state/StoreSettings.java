package dev.ephemera.adapters.kubernetes.state;

import dev.ephemera.adapters.kubernetes.client.ClientConfigs;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import io.fabric8.kubernetes.client.Config;
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

    /** The client configuration: a kubeconfig, the pod's service account, or whichever fabric8 finds (as every section of this module: {@link ClientConfigs}). */
    public Config clientConfig(Map<String, String> env) {
        return ClientConfigs.of("kubernetes", kubeconfig, context, inCluster, env);
    }
}
