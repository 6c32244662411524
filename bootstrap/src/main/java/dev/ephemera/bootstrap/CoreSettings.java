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
            SettingSpec.optional("backend", "Default cluster backend for `cluster create` (docker, hetzner, ...).", "docker"),
            SettingSpec.optional("dns", "DNS adapter that publishes each cluster's name (external-dns); absent: clusters get no DNS names.", null),
            SettingSpec.optional("sinks", "Secret sinks every kubeconfig is pushed to, besides --push (comma list).", "file"),
            SettingSpec.optional("installation", "This installation's id; value of the ephemera.dev/installation label.", "default"),
            SettingSpec.optional("plugins", "Directory of plugin jars (adapters) to load.", "<distribution>/plugins"));

    /** The {@code policies:} section (DESIGN section 3). */
    public static final List<SettingSpec> POLICIES = List.of(
            SettingSpec.optional("max-lifetime", "Longest a cluster lives.", "3d"),
            SettingSpec.optional("grace", "How long a released cluster (PR closed) is kept before deletion.", "1h"),
            SettingSpec.optional("provisioning-timeout", "How long a cluster may take to become Ready before it fails.", "15m"),
            SettingSpec.optional("dns-timeout", "How long a new cluster's DNS name may take to resolve through the DNS adapter's resolver "
                    + "before the cluster fails (only with dns: and a resolver set).", "5m"),
            SettingSpec.optional("max-concurrent", "Most live clusters at once, across backends.", "10"),
            SettingSpec.optional("max-concurrent-per-backend", "Map of backend name to its own limit.", null));

    /** The {@code server:} section. */
    public static final List<SettingSpec> SERVER = List.of(
            SettingSpec.optional("host", "Address to listen on; 0.0.0.0 when running in a Kubernetes pod (KUBERNETES_SERVICE_HOST set).", "127.0.0.1"),
            SettingSpec.optional("port", "Port to listen on (the seed's PORT variable also sets it).", "8080"),
            SettingSpec.optional("body-limit", "Largest request body accepted, in bytes.", "1048576"),
            SettingSpec.secret("token", "Bearer token required on API routes (env: or file: reference); none means open.", false),
            SettingSpec.secret("tokens", "Named API tokens, a map of NAME: env:VARIABLE or file:/path; each name's scope is in token-scopes.", false),
            SettingSpec.optional("token-scopes", "Map of token NAME to its scope: read, claim or admin.", "claim"),
            SettingSpec.optional("shutdown-timeout", "How long SIGTERM waits for requests in flight.", "30s"),
            SettingSpec.optional("reap-interval", "How often the server's reaper deletes expired, released, failed and stuck clusters; 0 turns it off.", "1m"),
            SettingSpec.optional("reap-orphans", "Backends whose labelled resources are checked for orphans at each sweep (comma list).", null),
            SettingSpec.optional("max-concurrent-steps", "How many clusters the server's driver steps at once; waiting ones hold no thread.", "8"),
            SettingSpec.optional("rescan-interval", "How often the driver reads the store for work other processes wrote, due heartbeats and queued claims.", "2s"),
            SettingSpec.optional("step-lease", "How long a server's claim on a cluster row keeps other servers off it; runs out only if that server died.", "30s"),
            SettingSpec.optional("claims", "Where claims are also made as objects: kubernetes (EphemeralCluster objects, docs/kubernetes.md); none by default.", null),
            SettingSpec.optional("claims-resync", "How often the claim object controller looks at every object again, besides its events.", "30s"),
            SettingSpec.optional("leadership", "How the one server that drives clusters is chosen: single (this process always) or kubernetes (a Lease).", "single"),
            SettingSpec.optional("health-cache", "How long /readyz reuses its adapter checks, so polling it does not spend a cloud API's rate limit; 0s checks every time.", "30s"));

    /** The {@code pools:} section: which pool {@code pool allocate} and its siblings use without {@code --pool}. */
    public static final List<SettingSpec> POOLS = List.of(
            SettingSpec.optional("default", "Pool used by `ephemera pool allocate|release|list|capacity` without --pool"
                    + " (without it: the only pool, if there is exactly one).", null));

    /** {@code warm-pools:}: a map of pool name to the pool's settings ({@link WarmPoolConfig#POOL}), checked by {@link WarmPoolConfig}. */
    public static final String WARM_POOLS = "warm-pools";

    /** Sections whose keys are names the user chooses; each value is checked by the section's own reader. */
    public static final java.util.Set<String> NAMED_SECTIONS = java.util.Set.of(WARM_POOLS);

    /** Sections owned by the core, with their settings. */
    public static final Map<String, List<SettingSpec>> SECTIONS = Map.of("policies", POLICIES, "server", SERVER,
            "canary", VerifierOptions.SETTINGS, "pools", POOLS, "lifecycle", LifecycleSettings.SETTINGS);

    /**
     * Environment variables named {@code EPHEMERA_…} that are not configuration keys, so they are
     * not refused as misspelt overrides: the configuration file, logging, debugging, and the
     * client mode's server and token. Variables starting with {@link #TEST_VARIABLE_PREFIX} are
     * left to tests, and a variable the configuration names in an {@code env:} reference is
     * allowed too.
     */
    public static final java.util.Set<String> NON_SETTING_VARIABLES = java.util.Set.of(
            "EPHEMERA_CONFIG", "EPHEMERA_LOG_LEVEL", "EPHEMERA_DEBUG", "EPHEMERA_SERVER", "EPHEMERA_TOKEN");

    public static final String TEST_VARIABLE_PREFIX = "EPHEMERA_TEST_";

    /**
     * Variables of the systems Ephemera replaces, honoured for drop-in use: seed 001's {@code PORT}
     * and {@code USE_IN_CLUSTER}. An {@code EPHEMERA_…} variable wins over them.
     */
    public static final Map<String, String> SEED_ALIASES = Map.of("PORT", "server.port", "USE_IN_CLUSTER", "kubernetes.in-cluster");
}
