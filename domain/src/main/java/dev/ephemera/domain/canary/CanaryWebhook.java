package dev.ephemera.domain.canary;

import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The body Flagger posts to a webhook: the canary's name and namespace, the analysis phase, the
 * checksum identifying one rollout revision, and the hook's optional {@code metadata} map.
 * Name, namespace and checksum are required; Flagger sends no metadata for pre-rollout hooks
 * unless the Canary's webhook lists some.
 */
public record CanaryWebhook(String name, String namespace, String phase, String checksum, Map<String, String> metadata) {
    /** Webhook metadata key that overrides the hold for this canary, e.g. {@code 14m}. */
    public static final String HOLD_KEY = "hold";
    /** Webhook metadata key that overrides the verifier mode for this canary: {@code gate} or {@code seed}. */
    public static final String MODE_KEY = "mode";

    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern CHECKSUM = Pattern.compile("[\\p{Graph}]{1,253}");

    public CanaryWebhook {
        if (name == null || name.isBlank()) {
            throw EphemeraException.invalid("webhook payload has no 'name': Flagger sends the Canary's name");
        }
        if (name.length() > 253 || !SUBDOMAIN.matcher(name).matches()) {
            throw EphemeraException.invalid("webhook 'name' '" + abbreviate(name) + "' is not a Kubernetes object name (lowercase letters, digits, '-' and '.', at most 253 characters)");
        }
        if (namespace == null || namespace.isBlank()) {
            throw EphemeraException.invalid("webhook payload has no 'namespace': Flagger sends the Canary's namespace");
        }
        if (namespace.length() > 63 || !LABEL.matcher(namespace).matches()) {
            throw EphemeraException.invalid("webhook 'namespace' '" + abbreviate(namespace) + "' is not a Kubernetes namespace name (a DNS-1123 label, at most 63 characters)");
        }
        if (checksum == null || checksum.isBlank()) {
            throw EphemeraException.invalid("webhook payload has no 'checksum': Flagger sends the revision's checksum");
        }
        if (!CHECKSUM.matcher(checksum).matches()) {
            throw EphemeraException.invalid("webhook 'checksum' must be 1 to 253 visible characters without spaces");
        }
        phase = phase == null ? "" : phase;
        Map<String, String> copy = new LinkedHashMap<>();
        Objects.requireNonNullElse(metadata, Map.<String, String>of()).forEach((k, v) -> {
            if (k == null || v == null) {
                throw EphemeraException.invalid("webhook 'metadata' must map strings to strings");
            }
            copy.put(k, v);
        });
        metadata = java.util.Collections.unmodifiableMap(copy);
    }

    public static CanaryWebhook of(String name, String namespace, String phase, String checksum) {
        return new CanaryWebhook(name, namespace, phase, checksum, Map.of());
    }

    /** The test Job's name for this revision, {@code e2e-{name}-{checksum}} within 63 characters. */
    public String jobName() {
        return E2eJobName.of(name, checksum);
    }

    public Optional<String> metadata(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The hold asked for in metadata {@code hold}, if any. */
    public Optional<Duration> requestedHold() {
        return metadata(HOLD_KEY).map(text -> {
            Duration d;
            try {
                d = DurationText.parse(text);
            } catch (EphemeraException e) {
                throw EphemeraException.invalid("webhook metadata hold '" + abbreviate(text) + "' is invalid: write e.g. 14m, 90s, 1h");
            }
            if (d.isZero() || d.isNegative()) {
                throw EphemeraException.invalid("webhook metadata hold must be positive, got '" + abbreviate(text) + "'");
            }
            return d;
        });
    }

    /** The mode asked for in metadata {@code mode}, if any. */
    public Optional<VerifierMode> requestedMode() {
        return metadata(MODE_KEY).map(text -> {
            try {
                return VerifierMode.parse(text);
            } catch (EphemeraException e) {
                throw EphemeraException.invalid("webhook metadata mode '" + abbreviate(text) + "' is invalid: use gate or seed");
            }
        });
    }

    /**
     * The seven variables seed 001 injects into the test container, in its order. Event fields
     * are empty when Flagger sends no metadata, as it does for pre-rollout hooks.
     */
    public Map<String, String> jobEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CANARY_NAME", name);
        env.put("CANARY_NAMESPACE", namespace);
        env.put("CANARY_PHASE", phase);
        env.put("CANARY_CHECKSUM", checksum);
        env.put("EVENT_MESSAGE", metadata.getOrDefault("eventMessage", ""));
        env.put("EVENT_TYPE", metadata.getOrDefault("eventType", ""));
        env.put("EVENT_TIMESTAMP", metadata.getOrDefault("timestamp", ""));
        return java.util.Collections.unmodifiableMap(env);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
