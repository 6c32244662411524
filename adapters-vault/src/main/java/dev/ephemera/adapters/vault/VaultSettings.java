package dev.ephemera.adapters.vault;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code vault:} section of the configuration, read once and checked at start. The lease
 * store and the secret sink share it, so both factories list every key.
 *
 * @param address            Vault's base URL, e.g. {@code https://vault.example.com:8200}
 * @param namespace          Vault Enterprise namespace sent as {@code X-Vault-Namespace}
 * @param mount              path of the KV version 2 mount
 * @param prefix             path inside the mount under which pools are kept
 * @param auth               how to log in
 * @param token              the token, for {@code auth: token}
 * @param roleId             AppRole role id, for {@code auth: approle}
 * @param secretId           AppRole secret id, for {@code auth: approle}
 * @param kubernetesRole     Vault role, for {@code auth: kubernetes}
 * @param kubernetesTokenFile the projected service-account token, re-read at every login
 * @param approleMount       where AppRole is mounted
 * @param kubernetesMount    where Kubernetes auth is mounted
 * @param caCert             PEM file of the CA(s) that signed Vault's certificate, instead of the JDK's trust store
 * @param secretPath         path template of the secret sink, {@code {cluster}} replaced by the address scope
 * @param maxRetries         retries after a 429/503/connection failure before giving up
 * @param timeout            limit on each HTTP request
 */
public record VaultSettings(URI address, Optional<String> namespace, String mount, String prefix, AuthMethod auth,
                            Optional<Secret> token, Optional<String> roleId, Optional<Secret> secretId,
                            Optional<String> kubernetesRole, Path kubernetesTokenFile, String approleMount,
                            String kubernetesMount, Optional<Path> caCert, String secretPath, int maxRetries, Duration timeout) {

    public static final String SECTION = "vault";
    public static final String DEFAULT_KUBERNETES_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public static final String DEFAULT_SECRET_PATH = "ephemera/clusters/{cluster}";

    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_.@+=-]+(/[A-Za-z0-9_.@+=-]+)*");

    /** How the adapter obtains its Vault token. */
    public enum AuthMethod {
        TOKEN, APPROLE, KUBERNETES;

        static AuthMethod parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.auth must be token, approle or kubernetes, got '" + s + "'");
            }
        }
    }

    /** Every key of the {@code vault:} section. */
    public static final List<SettingSpec> SPECS = List.of(
            SettingSpec.required("address", "Vault's URL, e.g. https://vault.example.com:8200"),
            SettingSpec.optional("namespace", "Vault Enterprise namespace, sent as X-Vault-Namespace", null),
            SettingSpec.optional("mount", "path of the KV version 2 secrets engine", "secret"),
            SettingSpec.optional("prefix", "path inside the mount under which IP pools are kept (<prefix>/pools/<name>)", "ephemera"),
            SettingSpec.optional("auth", "how to log in: token, approle or kubernetes", "token"),
            SettingSpec.secret("token", "Vault token for auth: token (env:VAULT_TOKEN or file:/path)", false),
            SettingSpec.optional("role-id", "AppRole role id, for auth: approle", null),
            SettingSpec.secret("secret-id", "AppRole secret id, for auth: approle (env: or file: reference)", false),
            SettingSpec.optional("kubernetes-role", "Vault role to log in as, for auth: kubernetes", null),
            SettingSpec.optional("kubernetes-token-file", "service-account token file, re-read at every login, for auth: kubernetes",
                    DEFAULT_KUBERNETES_TOKEN_FILE),
            SettingSpec.optional("approle-mount", "path where the AppRole auth method is mounted", "approle"),
            SettingSpec.optional("kubernetes-mount", "path where the Kubernetes auth method is mounted", "kubernetes"),
            SettingSpec.optional("ca-cert", "PEM file with the CA certificate(s) that signed Vault's TLS certificate", null),
            SettingSpec.optional("secret-path", "path template of the secret sink inside the mount; {cluster} is the cluster id",
                    DEFAULT_SECRET_PATH),
            SettingSpec.optional("max-retries", "retries after 429, 503 or a connection failure, with jittered backoff", "5"),
            SettingSpec.optional("timeout", "limit on each HTTP request to Vault", "10s"));

    public VaultSettings {
        namespace = namespace.map(String::trim).filter(s -> !s.isEmpty());
        mount = trimSlashes(mount);
        prefix = trimSlashes(prefix);
        requirePath("vault.mount", mount);
        requirePath("vault.prefix", prefix);
        requirePath("vault.approle-mount", trimSlashes(approleMount));
        requirePath("vault.kubernetes-mount", trimSlashes(kubernetesMount));
        approleMount = trimSlashes(approleMount);
        kubernetesMount = trimSlashes(kubernetesMount);
        if (!secretPath.contains("{cluster}")) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.secret-path must contain {cluster}, got '" + secretPath
                    + "'; e.g. " + DEFAULT_SECRET_PATH);
        }
        requirePath("vault.secret-path", trimSlashes(secretPath).replace("{cluster}", "c"));
        secretPath = trimSlashes(secretPath);
        if (maxRetries < 0 || maxRetries > 20) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.max-retries must be between 0 and 20, got " + maxRetries);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.timeout must be positive");
        }
        String scheme = address.getScheme() == null ? "" : address.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || address.getHost() == null) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.address must be an http(s) URL such as https://vault.example.com:8200, got '"
                    + address + "'");
        }
        switch (auth) {
            case TOKEN -> {
                if (token.isEmpty() || token.get().isEmpty()) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION,
                            "vault.auth is token but vault.token is missing; set it to env:VAULT_TOKEN or file:/path/to/token");
                }
            }
            case APPROLE -> {
                if (roleId.isEmpty() || secretId.isEmpty()) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION,
                            "vault.auth is approle: set vault.role-id and vault.secret-id (an env: or file: reference)");
                }
            }
            case KUBERNETES -> {
                if (kubernetesRole.isEmpty()) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "vault.auth is kubernetes: set vault.kubernetes-role to the Vault role to log in as");
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Reads and checks the section. */
    public static VaultSettings from(Settings s) {
        String address = s.require("address").trim();
        URI uri;
        try {
            uri = URI.create(address.endsWith("/") ? address.substring(0, address.length() - 1) : address);
        } catch (IllegalArgumentException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("address") + " is not a URL: " + address);
        }
        return new VaultSettings(uri,
                s.string("namespace"),
                s.string("mount", "secret"),
                s.string("prefix", "ephemera"),
                AuthMethod.parse(s.string("auth", "token")),
                s.secret("token"),
                s.string("role-id").map(String::trim).filter(v -> !v.isEmpty()),
                s.secret("secret-id"),
                s.string("kubernetes-role").map(String::trim).filter(v -> !v.isEmpty()),
                Path.of(s.string("kubernetes-token-file", DEFAULT_KUBERNETES_TOKEN_FILE)),
                s.string("approle-mount", "approle"),
                s.string("kubernetes-mount", "kubernetes"),
                s.string("ca-cert").map(String::trim).filter(v -> !v.isEmpty()).map(Path::of),
                s.string("secret-path", DEFAULT_SECRET_PATH),
                s.integer("max-retries", 5),
                s.duration("timeout", Duration.ofSeconds(10)));
    }

    /** The secret sink's path for one cluster, checked so a scope cannot climb out of the template. */
    public String secretPathFor(String cluster) {
        if (cluster == null || cluster.isBlank()) {
            throw EphemeraException.invalid("a Vault secret needs a scope: the cluster id that fills {cluster} in " + secretPath);
        }
        String c = cluster.trim();
        if (!PATH.matcher(c).matches() || c.contains("..")) {
            throw EphemeraException.invalid("'" + cluster + "' cannot be used in a Vault path: use letters, digits and ._@+=- separated by '/'");
        }
        return secretPath.replace("{cluster}", c);
    }

    private static void requirePath(String key, String value) {
        if (value.isEmpty() || !PATH.matcher(value).matches() || value.contains("..")) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, key + " '" + value
                    + "' is not a Vault path: use letters, digits and ._@+=- separated by '/'");
        }
    }

    static String trimSlashes(String s) {
        String t = s == null ? "" : s.trim();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    @Override
    public String toString() {
        return "VaultSettings[address=" + address + ", namespace=" + namespace.orElse("") + ", mount=" + mount + ", prefix=" + prefix
                + ", auth=" + auth.name().toLowerCase(Locale.ROOT) + "]";
    }
}
