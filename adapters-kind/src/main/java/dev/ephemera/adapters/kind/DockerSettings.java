package dev.ephemera.adapters.kind;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code docker:} section of {@code ephemera.yaml}.
 *
 * @param host          the Docker engine: {@code unix:///path} or {@code tcp://HOST:PORT}
 * @param tlsVerify     talk TLS to a {@code tcp://} engine, with the client certificate from {@code certPath}
 * @param certPath      directory with {@code ca.pem}, {@code cert.pem}, {@code key.pem} (as {@code DOCKER_CERT_PATH})
 * @param image         the K3s image, pinned
 * @param serverArgs    arguments after {@code server} besides the ones Ephemera sets ({@code --tls-san}, {@code --token-file})
 * @param privileged    run the K3s container privileged, as K3s needs to run pods
 * @param apiHost       host address the API port 6443 is published on (a free port is chosen)
 * @param endpointHost  host name or address in the cluster's endpoint; also a SAN of the serving certificate
 */
public record DockerSettings(String host, boolean tlsVerify, Optional<Path> certPath, String image, List<String> serverArgs,
                             boolean privileged, String apiHost, String endpointHost, String installation, Duration pullTimeout,
                             Duration requestTimeout, int logLines) {
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
    /** The K3s release of the {@code hetzner} backend's default, as Docker tags write it ({@code +} is not allowed in a tag). */
    public static final String DEFAULT_IMAGE = "rancher/k3s:v1.31.4-k3s1";
    public static final String DEFAULT_SERVER_ARGS = "--disable=traefik";
    private static final Pattern INSTALLATION = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\\w][\\w.-]{0,127})?(@sha256:[0-9a-f]{64})?");
    private static final Pattern HOSTNAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?|[0-9a-fA-F:]+");

    public DockerSettings {
        serverArgs = List.copyOf(serverArgs);
        if (!host.startsWith("unix://") && !host.startsWith("tcp://") && !host.startsWith("npipe://")) {
            throw config("docker.host '" + host + "' must be unix:///path/to/docker.sock or tcp://HOST:PORT");
        }
        if (!IMAGE.matcher(image).matches()) {
            throw config("docker.image '" + image + "' is not an image reference such as " + DEFAULT_IMAGE);
        }
        if (!INSTALLATION.matcher(installation).matches()) {
            throw config("docker.installation '" + installation + "' must be a valid label value: at most 63 letters, digits, "
                    + "'-', '_' or '.', starting and ending with a letter or digit");
        }
        for (String a : serverArgs) {
            if (a.startsWith("--tls-san") || a.startsWith("--token") || a.startsWith("--https-listen-port")) {
                throw config("docker.server-args must not set " + a.split("=", 2)[0] + ": Ephemera sets it (the SANs come from "
                        + "docker.endpoint-host, the token is made per cluster, the API listens on 6443 in the container)");
            }
        }
        if (!HOSTNAME.matcher(apiHost).matches() || !HOSTNAME.matcher(endpointHost).matches()) {
            throw config("docker.api-host and docker.endpoint-host must be host names or IP addresses, got '" + apiHost + "' and '"
                    + endpointHost + "'");
        }
        if (endpointHost.equals("0.0.0.0") || endpointHost.equals("::")) {
            throw config("docker.endpoint-host must be an address clients can reach, not " + endpointHost);
        }
        if (logLines < 1 || logLines > 1000) {
            throw config("docker.log-lines must be between 1 and 1000, got " + logLines);
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.optional("host", "Docker engine: unix:///path/to/docker.sock or tcp://HOST:PORT (default: $DOCKER_HOST, else the unix socket)", DEFAULT_HOST),
                SettingSpec.optional("tls-verify", "use TLS with client certificates for a tcp:// engine (default: $DOCKER_TLS_VERIFY)", "false"),
                SettingSpec.optional("cert-path", "directory with ca.pem, cert.pem and key.pem for tls-verify (default: $DOCKER_CERT_PATH, else ~/.docker)", null),
                SettingSpec.optional("image", "K3s image of new clusters, pinned; pulled when missing (offline: docker load it first)", DEFAULT_IMAGE),
                SettingSpec.optional("server-args", "arguments of `k3s server` besides --tls-san and --token-file (comma list)", DEFAULT_SERVER_ARGS),
                SettingSpec.optional("privileged", "run the K3s container privileged, as K3s needs to run pods; false only for stand-in images", "true"),
                SettingSpec.optional("api-host", "host address the API port is published on, at a free port", "127.0.0.1"),
                SettingSpec.optional("endpoint-host", "host name or address in the kubeconfig's server URL, added to the certificate's SANs (default: api-host; the engine's host when api-host is 0.0.0.0)", null),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label (default: the top-level installation)", "default"),
                SettingSpec.optional("pull-timeout", "longest wait for pulling a missing image", "10m"),
                SettingSpec.optional("request-timeout", "longest wait for one answer of the Docker engine", "60s"),
                SettingSpec.optional("log-lines", "how many of the container's last log lines a failure shows", "20"));
    }

    /** Reads the section; {@code env} supplies {@code DOCKER_HOST}, {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH}. */
    public static DockerSettings from(Settings s, Map<String, String> env) {
        s.validate(specs());
        String host = s.string("host").filter(h -> !h.isBlank())
                .or(() -> Optional.ofNullable(env.get("DOCKER_HOST")).filter(h -> !h.isBlank())).orElse(DEFAULT_HOST).trim();
        boolean envTls = Optional.ofNullable(env.get("DOCKER_TLS_VERIFY")).map(v -> !v.isBlank() && !v.equals("0")).orElse(false);
        boolean tls = s.bool("tls-verify", envTls);
        Optional<Path> certPath = s.string("cert-path").filter(p -> !p.isBlank())
                .or(() -> Optional.ofNullable(env.get("DOCKER_CERT_PATH")).filter(p -> !p.isBlank())).map(Path::of);
        String apiHost = s.string("api-host", "127.0.0.1").trim();
        String endpointHost = s.string("endpoint-host").filter(h -> !h.isBlank()).map(String::trim)
                .orElseGet(() -> defaultEndpointHost(apiHost, host));
        List<String> args = s.keys().contains("server-args") ? s.list("server-args").stream().map(String::trim).filter(a -> !a.isEmpty()).toList()
                : List.of(DEFAULT_SERVER_ARGS);
        return new DockerSettings(host, tls, certPath, s.string("image", DEFAULT_IMAGE).trim(), args, s.bool("privileged", true), apiHost,
                endpointHost, s.string("installation", "default"), s.duration("pull-timeout", Duration.ofMinutes(10)),
                s.duration("request-timeout", Duration.ofSeconds(60)), s.integer("log-lines", 20));
    }

    private static String defaultEndpointHost(String apiHost, String dockerHost) {
        if (!apiHost.equals("0.0.0.0") && !apiHost.equals("::")) {
            return apiHost;
        }
        if (dockerHost.startsWith("tcp://")) {
            String h = URI.create(dockerHost).getHost();
            if (h != null && !h.isBlank()) {
                return h;
            }
        }
        return "127.0.0.1";
    }

    private static EphemeraException config(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
