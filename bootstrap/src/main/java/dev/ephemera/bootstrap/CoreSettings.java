package dev.ephemera.bootstrap;

import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.application.lifecycle.LifecycleSettings;
import dev.ephemera.ports.spi.SettingSpec;
import java.util.List;
import java.util.Map;

/**
 * The keys of {@code ephemera.yaml} that belong to Ephemera itself rather than to an adapter:
 * which adapter fills each port, the lifetime policies, and the server.
 */
public final class CoreSettings {
    private CoreSettings() {
    }

    /** Top-level scalar keys: which adapter serves each port. */
    public static final List<SettingSpec> TOP_LEVEL = List.of(
            SettingSpec.optional("store", "Lease store for IP pools (sqlite, vault).", "sqlite"),
            SettingSpec.optional("state", "Cluster repository (sqlite).", "sqlite"),
            SettingSpec.optional("pki", "Certificate authority (bouncycastle).", "bouncycastle"),
            SettingSpec.optional("workload", "How Ephemera talks to new clusters' API servers (kubernetes).", "kubernetes"),
            SettingSpec.optional("codehost", "Code host for PR comments and statuses (github).", "github"),
            SettingSpec.optional("backend", "Default cluster backend for `cluster create` (hetzner, kind, ...).", "kind"),
            SettingSpec.optional("sinks", "Secret sinks every kubeconfig is pushed to, besides --push (comma list).", "file"),
            SettingSpec.optional("installation", "This installation's id; value of the ephemera.dev/installation label.", "default"),
            SettingSpec.optional("plugins", "Directory of plugin jars (adapters) to load.", "<distribution>/plugins"));

    /** The {@code policies:} section (DESIGN section 3). */
    public static final List<SettingSpec> POLICIES = List.of(
            SettingSpec.optional("max-lifetime", "Longest a cluster lives.", "3d"),
            SettingSpec.optional("grace", "How long a released cluster (PR closed) is kept before deletion.", "1h"),
            SettingSpec.optional("provisioning-timeout", "How long a cluster may take to become Ready before it fails.", "15m"),
            SettingSpec.optional("dns-timeout", "How long to wait for a cluster's DNS name to resolve.", "5m"),
            SettingSpec.optional("max-concurrent", "Most live clusters at once, across backends.", "10"),
            SettingSpec.optional("max-concurrent-per-backend", "Map of backend name to its own limit.", null));

    /** The {@code server:} section. */
    public static final List<SettingSpec> SERVER = List.of(
            SettingSpec.optional("host", "Address to listen on; 0.0.0.0 when running in a Kubernetes pod (KUBERNETES_SERVICE_HOST set).", "127.0.0.1"),
            SettingSpec.optional("port", "Port to listen on (the seed's PORT variable also sets it).", "8080"),
            SettingSpec.optional("body-limit", "Largest request body accepted, in bytes.", "1048576"),
            SettingSpec.secret("token", "Bearer token required on API routes (env: or file: reference); none means open.", false),
            SettingSpec.optional("shutdown-timeout", "How long SIGTERM waits for requests in flight.", "30s"),
            SettingSpec.optional("reap-interval", "How often the server's reaper deletes expired, released, failed and stuck clusters; 0 turns it off.", "1m"),
            SettingSpec.optional("reap-orphans", "Backends whose labelled resources are checked for orphans at each sweep (comma list).", null),
            SettingSpec.optional("max-concurrent-steps", "How many clusters the server's driver steps at once; waiting ones hold no thread.", "8"),
            SettingSpec.optional("rescan-interval", "How often the driver reads the store for work other processes wrote, due heartbeats and queued claims.", "2s"),
            SettingSpec.optional("step-lease", "How long a server's claim on a cluster row keeps other servers off it; runs out only if that server died.", "30s"));

    /** Sections owned by the core, with their settings. */
    public static final Map<String, List<SettingSpec>> SECTIONS = Map.of("policies", POLICIES, "server", SERVER,
            "canary", VerifierOptions.SETTINGS, "lifecycle", LifecycleSettings.SETTINGS);

    /**
     * Variables of the systems Ephemera replaces, honoured for drop-in use: seed 001's {@code PORT}
     * and {@code USE_IN_CLUSTER}. An {@code EPHEMERA_…} variable wins over them.
     */
    public static final Map<String, String> SEED_ALIASES = Map.of("PORT", "server.port", "USE_IN_CLUSTER", "kubernetes.in-cluster");
}
