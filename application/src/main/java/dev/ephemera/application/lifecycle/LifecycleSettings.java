package dev.ephemera.application.lifecycle;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterIdPattern;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.SinkTarget;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the pull requests of the allowed repositories get: the {@code lifecycle:} section.
 *
 * @param repositories    {@code OWNER/REPO} whose pull requests get clusters; every other one is
 *                        acknowledged and ignored (deny by default: empty means none)
 * @param backend         the backend their clusters run on
 * @param size            the backend's size, e.g. a Hetzner server type; empty for its default
 * @param ttl             lifetime; empty for {@code policies.max-lifetime}
 * @param clusterId       how a pull request's cluster is named
 * @param kubeconfigTo    where the kubeconfig goes, a push target with {@code {repository}} and
 *                        {@code {number}} placeholders
 * @param onDraft         what {@code converted_to_draft} does
 * @param requiredLabel   a label a pull request must carry to get a cluster; removing it releases
 * @param forks           whether a pull request from a fork gets a cluster (and so secrets) at all
 * @param commentInterval the least time between two edits of one pull request's comment
 */
public record LifecycleSettings(Set<String> repositories, String backend, Optional<String> size, Optional<Duration> ttl,
                                ClusterIdPattern clusterId, String kubeconfigTo, DraftPolicy onDraft, Optional<String> requiredLabel,
                                boolean forks, Duration commentInterval) {
    public static final String DEFAULT_KUBECONFIG_TO = "github:{repository}@pr-{number}:E2E_KUBECONFIG";
    public static final Duration DEFAULT_COMMENT_INTERVAL = Duration.ofSeconds(10);

    /** What {@code converted_to_draft} does to a pull request's cluster. */
    public enum DraftPolicy {
        /** Nothing: a draft keeps its cluster (the default). */
        KEEP,
        /** Release it, as if closed; {@code ready_for_review} claims again. */
        RELEASE;

        static DraftPolicy parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw EphemeraException.invalid("converted-to-draft must be keep or release, got '" + s + "'");
            }
        }
    }

    /** The keys of the {@code lifecycle:} section. */
    public static final List<SettingSpec> SETTINGS = List.of(
            SettingSpec.optional("repositories", "OWNER/REPO list whose pull requests get clusters; deliveries from any other are acknowledged and ignored.", null),
            SettingSpec.optional("backend", "Backend of pull request clusters; the top-level backend when unset.", null),
            SettingSpec.optional("size", "Backend size of pull request clusters, e.g. a Hetzner server type.", null),
            SettingSpec.optional("ttl", "Lifetime of a pull request cluster; policies.max-lifetime when unset.", null),
            SettingSpec.optional("cluster-id", "Cluster id pattern with {number}, {repo}, {owner}; sanitised, at most 40 characters.", ClusterIdPattern.DEFAULT),
            SettingSpec.optional("kubeconfig-to", "Push target of the kubeconfig, with {repository} and {number}.", DEFAULT_KUBECONFIG_TO),
            SettingSpec.optional("converted-to-draft", "keep or release the cluster of a pull request turned into a draft.", "keep"),
            SettingSpec.optional("required-label", "A label a pull request must carry to get a cluster; removing it releases the cluster.", null),
            SettingSpec.optional("forks", "Whether pull requests from forks get clusters (and their secrets).", "false"),
            SettingSpec.optional("comment-interval", "Least time between two edits of one pull request's comment.", "10s"));

    public LifecycleSettings {
        Set<String> lower = new TreeSet<>();
        for (String r : repositories) {
            if (!r.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
                throw EphemeraException.invalid("lifecycle repository '" + r + "' is invalid: write OWNER/REPO");
            }
            lower.add(r.toLowerCase(Locale.ROOT));
        }
        repositories = Set.copyOf(lower);
        if (backend == null || backend.isBlank()) {
            throw EphemeraException.invalid("lifecycle needs a backend");
        }
        size = size == null ? Optional.empty() : size.filter(s -> !s.isBlank());
        ttl = ttl == null ? Optional.empty() : ttl;
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(onDraft, "onDraft");
        requiredLabel = requiredLabel == null ? Optional.empty() : requiredLabel.filter(s -> !s.isBlank());
        if (commentInterval == null || commentInterval.isNegative()) {
            throw EphemeraException.invalid("comment-interval must not be negative");
        }
        if (kubeconfigTo == null || !kubeconfigTo.contains("{number}")) {
            throw EphemeraException.invalid("kubeconfig-to '" + kubeconfigTo + "' lacks {number}: each pull request needs its own secret, e.g. "
                    + DEFAULT_KUBECONFIG_TO);
        }
        SinkTarget.parse(kubeconfigTo.replace("{repository}", "o/r").replace("{number}", "1"));
    }

    /** Nothing allowed: every delivery is acknowledged and ignored. */
    public static LifecycleSettings denyAll(String backend) {
        return new LifecycleSettings(Set.of(), backend, Optional.empty(), Optional.empty(), ClusterIdPattern.defaults(), DEFAULT_KUBECONFIG_TO,
                DraftPolicy.KEEP, Optional.empty(), false, DEFAULT_COMMENT_INTERVAL);
    }

    /** Reads the {@code lifecycle:} section; {@code defaultBackend} is the top-level {@code backend}. */
    public static LifecycleSettings from(Settings s, String defaultBackend) {
        try {
            return new LifecycleSettings(new TreeSet<>(s.list("repositories").stream().map(String::trim).filter(x -> !x.isEmpty()).toList()),
                    s.string("backend", defaultBackend), s.string("size"),
                    s.string("ttl").isPresent() ? Optional.of(s.duration("ttl", Duration.ZERO)) : Optional.empty(),
                    new ClusterIdPattern(s.string("cluster-id", ClusterIdPattern.DEFAULT)), s.string("kubeconfig-to", DEFAULT_KUBECONFIG_TO),
                    DraftPolicy.parse(s.string("converted-to-draft", "keep")), s.string("required-label"), s.bool("forks", false),
                    s.duration("comment-interval", DEFAULT_COMMENT_INTERVAL));
        } catch (EphemeraException e) {
            throw e.code() == ErrorCode.CONFIGURATION ? e : new EphemeraException(ErrorCode.CONFIGURATION, s.path() + ": " + e.getMessage(), e);
        }
    }

    public boolean allows(String repository) {
        return repositories.contains(repository.toLowerCase(Locale.ROOT));
    }

    public ClusterId clusterIdFor(String repository, int number) {
        return clusterId.idFor(repository, number);
    }

    /** Where the kubeconfig of {@code repository}'s pull request {@code number} goes. */
    public SinkTarget kubeconfigTarget(String repository, int number) {
        return SinkTarget.parse(kubeconfigTo.replace("{repository}", repository).replace("{number}", Integer.toString(number)));
    }

    /** The spec of a pull request's cluster: the configured size, the backend's defaults otherwise. */
    public ClusterSpec spec() {
        return new ClusterSpec(Optional.empty(), size, Optional.empty(), Map.of(), List.of());
    }
}
