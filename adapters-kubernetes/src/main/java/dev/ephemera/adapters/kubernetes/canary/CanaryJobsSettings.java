package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code kubernetes:} section as the canary adapter reads it.
 *
 * @param kubeconfig a kubeconfig file; absent means {@code $KUBECONFIG}, then {@code ~/.kube/config}
 * @param context    a context of that kubeconfig; absent means its current context
 * @param inCluster  true: the pod's service account; false: a kubeconfig; absent: whichever is found
 * @param namespace  the one namespace to watch; absent means every namespace
 * @param crdGroup   the E2ESpec API group: {@code ephemera.dev}, or {@code remarkable.com} for seed 001's CRD;
 *                   absent: whichever the API server serves, {@code ephemera.dev} first
 * @param dropIn     Jobs also carry and are selected by seed 001's {@code remarkable.com/managed-by} label;
 *                   absent: when the group is {@code remarkable.com}
 */
record CanaryJobsSettings(Optional<String> kubeconfig, Optional<String> context, Optional<Boolean> inCluster,
        Optional<String> namespace, Optional<String> crdGroup, Optional<Boolean> dropIn) {

    static final String DEFAULT_GROUP = "ephemera.dev";
    static final String SEED_GROUP = "remarkable.com";
    static final String VERSION = "v1";
    static final String PLURAL = "e2especs";
    static final String KIND = "E2ESpec";
    private static final Pattern GROUP = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional("kubeconfig", "Path of the kubeconfig to use; default $KUBECONFIG, then ~/.kube/config", null),
            SettingSpec.optional("context", "Context of the kubeconfig to use; default its current context", null),
            SettingSpec.optional("in-cluster", "true: use the pod's service account; false: use a kubeconfig; default: "
                    + "seed 001's USE_IN_CLUSTER if set, else whichever is found", null),
            SettingSpec.optional("namespace", "Watch E2ESpecs and Jobs in this namespace only; default every namespace", null),
            SettingSpec.optional("crd-group", "API group of the E2ESpec CRD: ephemera.dev, or remarkable.com to use seed 001's CRD; "
                    + "default: whichever the API server serves, ephemera.dev first", null),
            SettingSpec.optional("drop-in", "Also label test Jobs remarkable.com/managed-by=e2e-verifier and select on it, as seed 001 did; "
                    + "default true when the group is remarkable.com", null));

    CanaryJobsSettings {
        crdGroup.ifPresent(g -> {
            if (!GROUP.matcher(g).matches()) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.crd-group '" + g
                        + "' is not an API group (a DNS name like ephemera.dev or remarkable.com)");
            }
        });
        namespace.ifPresent(ns -> {
            if (ns.length() > 63 || !LABEL.matcher(ns).matches()) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "kubernetes.namespace '" + ns + "' is not a namespace name");
            }
        });
    }

    /** Reads the section; {@code env} supplies seed 001's {@code USE_IN_CLUSTER} when {@code in-cluster} is not set. */
    static CanaryJobsSettings from(Settings s, Map<String, String> env) {
        Optional<Boolean> inCluster = s.string("in-cluster").isPresent()
                ? Optional.of(s.bool("in-cluster", false))
                : Optional.ofNullable(env.get("USE_IN_CLUSTER")).filter(v -> !v.isBlank()).map(v -> parseBool(v, "USE_IN_CLUSTER"));
        Optional<String> group = s.string("crd-group").map(g -> g.trim().toLowerCase(Locale.ROOT)).filter(g -> !g.isEmpty());
        Optional<Boolean> dropIn = s.string("drop-in").isPresent() ? Optional.of(s.bool("drop-in", false)) : Optional.empty();
        return new CanaryJobsSettings(s.string("kubeconfig").filter(v -> !v.isBlank()), s.string("context").filter(v -> !v.isBlank()),
                inCluster, s.string("namespace").filter(v -> !v.isBlank()), group, dropIn);
    }

    /** Drop-in labels as set, else whenever the spec group is the seed's. */
    boolean dropInFor(String group) {
        return dropIn.orElse(SEED_GROUP.equals(group));
    }

    private static boolean parseBool(String v, String name) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new EphemeraException(ErrorCode.CONFIGURATION, name + " must be true or false, got '" + v + "'");
        };
    }
}
