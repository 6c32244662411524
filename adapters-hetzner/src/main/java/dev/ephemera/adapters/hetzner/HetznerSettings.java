package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code hetzner:} section of {@code ephemera.yaml}.
 *
 * @param apiPort     the port the K3s API server listens on ({@code https-listen-port}); the
 *                    cluster's endpoint is {@code https://<public IPv4>:<apiPort>}
 * @param primaryIp   create a primary IPv4 before the server, so its address is in the K3s
 *                    serving certificate from the start and survives nothing (deleted with the server)
 */
public record HetznerSettings(Secret token, URI apiUrl, String location, String serverType, String image, String k3sVersion,
                              List<String> sshKeys, Optional<String> firewall, String installation, Optional<String> dnsZone,
                              int apiPort, boolean primaryIp, Duration actionTimeout, Duration requestTimeout,
                              Duration rateLimitMaxWait, K3sInstaller k3sInstaller, boolean hibernation) {
    public static final String DEFAULT_API_URL = "https://api.hetzner.cloud/v1";
    public static final String DEFAULT_K3S_VERSION = "v1.31.4+k3s1";
    private static final Pattern K3S_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+(-rc\\d+)?\\+k3s\\d+");
    private static final Pattern INSTALLATION = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern ZONE = Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public HetznerSettings {
        sshKeys = List.copyOf(sshKeys);
        if (!K3S_VERSION.matcher(k3sVersion).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.k3s-version '" + k3sVersion + "' is not a pinned K3s "
                    + "release: use a full version such as " + DEFAULT_K3S_VERSION + " (channels like 'stable' move under you)");
        }
        if (!INSTALLATION.matcher(installation).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.installation '" + installation + "' must be a valid "
                    + "Hetzner label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        }
        if (dnsZone.isPresent() && !ZONE.matcher(dnsZone.get()).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.dns-zone '" + dnsZone.get() + "' is not a DNS name "
                    + "(e.g. clusters.example.com)");
        }
        if (apiPort < 1 || apiPort > 65535) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.api-port must be between 1 and 65535, got " + apiPort);
        }
        String scheme = apiUrl.getScheme();
        if (!"https".equals(scheme) && !("http".equals(scheme) && isLoopback(apiUrl.getHost()))) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.api-url must be https (plain http only to a loopback "
                    + "address, for tests), got " + apiUrl);
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.secret("token", "Hetzner Cloud API token (Read & Write) of the project, as env:NAME or file:/path", true),
                SettingSpec.optional("api-url", "Hetzner Cloud API base URL", DEFAULT_API_URL),
                SettingSpec.optional("location", "location of new servers (fsn1, nbg1, hel1, ash, hil, sin)", "fsn1"),
                SettingSpec.optional("server-type", "server type of new servers (size); a cluster's size overrides it", "cpx21"),
                SettingSpec.optional("image", "system image of new servers", "ubuntu-24.04"),
                SettingSpec.optional("k3s-version", "pinned K3s release installed on new servers (INSTALL_K3S_VERSION)", DEFAULT_K3S_VERSION),
                SettingSpec.optional("k3s-installer-ref", "git tag or commit of k3s-io/k3s whose install.sh new servers fetch", K3sInstaller.DEFAULT_REF),
                SettingSpec.optional("k3s-installer-sha256", "sha256 install.sh must have; a server whose download differs refuses to run it",
                        K3sInstaller.DEFAULT_SHA256),
                SettingSpec.optional("ssh-keys", "names of project SSH keys to put on servers (none needed; also stops Hetzner mailing a root password)", null),
                SettingSpec.optional("firewall", "name or id of an existing Hetzner firewall to apply to new servers", null),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label, separating installations sharing a project", "default"),
                SettingSpec.optional("dns-zone", "DNS zone for the API server name <cluster>.<zone>, added to the K3s certificate", null),
                SettingSpec.optional("api-port", "port the K3s API server listens on; the endpoint is https://<server IPv4>:<port>", "6443"),
                SettingSpec.optional("primary-ip", "create a primary IPv4 first, so the address is known before the server boots", "false"),
                SettingSpec.optional("action-timeout", "longest wait for one Hetzner action (create, delete)", "5m"),
                SettingSpec.optional("request-timeout", "longest wait for one HTTP answer of the Hetzner API", "30s"),
                SettingSpec.optional("rate-limit-max-wait", "longest wait for the project's API rate limit a request accepts; a longer one fails at once", "5m"),
                SettingSpec.optional("hibernation", "power off idle warm pool members (hibernate-after); Hetzner bills powered-off servers, so it is off unless set", "false"));
    }

    public static HetznerSettings from(Settings s) {
        s.validate(specs());
        Secret token = s.secret("token").filter(t -> !t.isEmpty())
                .orElseThrow(() -> new EphemeraException(ErrorCode.CONFIGURATION, "missing required setting " + s.qualify("token")
                        + ": set it to env:HCLOUD_TOKEN (a Read & Write API token of the Hetzner project)"));
        URI apiUrl;
        try {
            apiUrl = URI.create(s.string("api-url", DEFAULT_API_URL).trim());
        } catch (IllegalArgumentException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, s.qualify("api-url") + " is not a URL: " + e.getMessage());
        }
        return new HetznerSettings(token, apiUrl, s.string("location", "fsn1"), s.string("server-type", "cpx21"),
                s.string("image", "ubuntu-24.04"), s.string("k3s-version", DEFAULT_K3S_VERSION), s.list("ssh-keys"),
                s.string("firewall").filter(f -> !f.isBlank()), s.string("installation", "default"),
                s.string("dns-zone").filter(z -> !z.isBlank()).map(z -> z.endsWith(".") ? z.substring(0, z.length() - 1) : z),
                s.integer("api-port", 6443), s.bool("primary-ip", false),
                s.duration("action-timeout", Duration.ofMinutes(5)), s.duration("request-timeout", Duration.ofSeconds(30)),
                s.duration("rate-limit-max-wait", Duration.ofMinutes(5)),
                new K3sInstaller(s.string("k3s-installer-ref", K3sInstaller.DEFAULT_REF).trim(),
                        s.string("k3s-installer-sha256", K3sInstaller.DEFAULT_SHA256).trim().toLowerCase(java.util.Locale.ROOT)),
                s.bool("hibernation", false));
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }

    @Override
    public String toString() {
        return "HetznerSettings[apiUrl=" + apiUrl + ", location=" + location + ", serverType=" + serverType + ", image=" + image
                + ", k3sVersion=" + k3sVersion + ", installation=" + installation + ", token=<redacted>]";
    }
}
