package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code github:} section, shared by the secret sink, the code host and the webhook
 * verifier. All three declare the same settings because they read one section, and each
 * factory validates the whole section against its own list.
 */
record GitHubSettings(URI apiUrl, Optional<String> appId, Optional<String> clientId, Optional<Secret> privateKey,
                      Optional<Long> installationId, Optional<Secret> token, Optional<Secret> webhookSecret,
                      Optional<String> botLogin, boolean createEnvironments, int retryAttempts, Duration retryMaxWait,
                      Duration requestTimeout, int webhookDeliveriesRemembered) {

    static final String DEFAULT_API_URL = "https://api.github.com";

    static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional("api-url", "REST API root; https://HOST/api/v3 for GitHub Enterprise Server", DEFAULT_API_URL),
            SettingSpec.optional("app-id", "GitHub App id (JWT issuer); with private-key, selects App authentication", null),
            SettingSpec.optional("client-id", "GitHub App client id, accepted by GitHub as JWT issuer instead of app-id", null),
            SettingSpec.secret("private-key", "the App's private key PEM (PKCS#1 as GitHub issues it, or PKCS#8), as file:/path or env:NAME", false),
            SettingSpec.optional("installation-id", "App installation to use; looked up per repository when absent", null),
            SettingSpec.secret("token", "a plain token instead of an App (e.g. env:GITHUB_TOKEN inside Actions)", false),
            SettingSpec.secret("webhook-secret", "the webhook secret GitHub signs deliveries with (X-Hub-Signature-256); needed by the server's webhook route", false),
            SettingSpec.optional("bot-login", "login whose comments are ours; discovered when absent (App: GET /app slug + [bot]; token: GET /user)", null),
            SettingSpec.optional("create-environments", "create a missing deployment environment before writing an environment secret", "true"),
            SettingSpec.optional("retry-attempts", "attempts per API call, counting the first, on rate limits, 5xx and connection errors", "5"),
            SettingSpec.optional("retry-max-wait", "longest single wait for a rate limit to lift; a longer one fails at once with RATE_LIMITED", "5m"),
            SettingSpec.optional("request-timeout", "timeout of one HTTP request", "30s"),
            SettingSpec.optional("webhook-deliveries-remembered", "how many recent X-GitHub-Delivery ids are kept to recognise redeliveries", "10000"));

    static GitHubSettings from(Settings s) {
        URI api = apiUrl(s);
        Optional<String> appId = nonBlank(s.string("app-id"));
        Optional<String> clientId = nonBlank(s.string("client-id"));
        Optional<Long> installation = nonBlank(s.string("installation-id")).map(v -> positiveLong(s, "installation-id", v));
        if (appId.isPresent() && !appId.get().matches("[0-9]{1,18}")) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("app-id") + " must be the App's numeric id (see the App's settings page), got '" + appId.get() + "'");
        }
        int attempts = s.integer("retry-attempts", 5);
        if (attempts < 1 || attempts > 20) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("retry-attempts") + " must be between 1 and 20, got " + attempts);
        }
        Duration maxWait = s.duration("retry-max-wait", Duration.ofMinutes(5));
        Duration timeout = s.duration("request-timeout", Duration.ofSeconds(30));
        if (timeout.isZero() || timeout.isNegative()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("request-timeout") + " must be positive");
        }
        int remembered = s.integer("webhook-deliveries-remembered", 10_000);
        if (remembered < 1) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("webhook-deliveries-remembered") + " must be at least 1");
        }
        return new GitHubSettings(api, appId, clientId, s.secret("private-key").filter(k -> !k.isEmpty()), installation,
                s.secret("token").filter(t -> !t.isEmpty()), s.secret("webhook-secret").filter(w -> !w.isEmpty()),
                nonBlank(s.string("bot-login")), s.bool("create-environments", true), attempts, maxWait, timeout, remembered);
    }

    /** Whether App authentication is configured (an issuer and a key). */
    boolean appAuth() {
        return privateKey.isPresent() && (appId.isPresent() || clientId.isPresent());
    }

    /** Refuses a section that names no way, or two ways, to authenticate to the API. */
    void requireApiCredentials(String path) {
        boolean app = appAuth();
        boolean plain = token.isPresent();
        if (app && plain) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, path + " sets both an App (app-id/client-id + private-key) and a token; keep one");
        }
        if (!app && !plain) {
            String half = privateKey.isPresent() ? " (private-key is set, but neither app-id nor client-id)"
                    : appId.isPresent() || clientId.isPresent() ? " (app-id/client-id is set, but private-key is missing)" : "";
            throw new EphemeraException(ErrorCode.CONFIGURATION, path + " needs credentials" + half
                    + ": set app-id and private-key (e.g. private-key: file:/run/secrets/app.pem) for a GitHub App, or token: env:GITHUB_TOKEN");
        }
    }

    /** The JWT issuer: the app id when given, else the client id. */
    String issuer() {
        return appId.or(() -> clientId).orElseThrow();
    }

    private static URI apiUrl(Settings s) {
        String text = s.string("api-url", DEFAULT_API_URL).trim();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("api-url") + " is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("api-url") + " must be an absolute https URL such as "
                    + DEFAULT_API_URL + ", got '" + text + "'");
        }
        // Tokens travel in every request: plain http is allowed for loopback only (tests, a local proxy).
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("api-url") + " must use https (plain http is allowed for loopback only), got '" + text + "'");
        }
        return uri;
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // never resolve a name just to decide this
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static long positiveLong(Settings s, String key, String v) {
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify(key) + " must be a positive number, got '" + v + "'");
    }

    private static Optional<String> nonBlank(Optional<String> v) {
        return v.map(String::trim).filter(x -> !x.isEmpty());
    }

    @Override
    public String toString() {
        return "GitHubSettings[api=" + apiUrl + ", app=" + appId.or(() -> clientId).orElse("-") + ", installation="
                + installationId.map(String::valueOf).orElse("lookup") + ", token=" + (token.isPresent() ? "<redacted>" : "-") + "]";
    }
}
