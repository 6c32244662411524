package dev.ephemera.adapters.kind;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code kind:} section of {@code ephemera.yaml}.
 *
 * @param binary       the kind CLI: a name looked up on {@code PATH}, or a path
 * @param nodeImage    the node image of new clusters ({@code kindest/node:…}), pinned
 * @param createWait   what {@code kind create cluster --wait} waits for the control plane
 * @param stateDir     where each cluster's CA files and kind config live while it exists (bind-mounted into its node)
 * @param installation the value of {@code ephemera.dev/installation}; part of every kind cluster name
 * @param docker       the engine the nodes run on (for observing, logs and image loading)
 */
public record KindSettings(String binary, String nodeImage, Duration createWait, Path stateDir, String installation, DockerSettings docker) {
    /** The kind release this was checked against (v0.26) makes this node image for Kubernetes v1.31.4. */
    public static final String DEFAULT_NODE_IMAGE = "kindest/node:v1.31.4";
    /** kind accepts {@code ^[a-z0-9.-]+$} as a cluster name (kind's {@code validNameRE}). */
    static final Pattern KIND_NAME = Pattern.compile("[a-z0-9.-]+");

    public KindSettings {
        if (binary.isBlank()) {
            throw config("kind.binary must name the kind CLI (e.g. kind, or /usr/local/bin/kind)");
        }
        if (!KIND_NAME.matcher(installation).matches()) {
            throw config("the installation '" + installation + "' cannot be part of a kind cluster name, which kind allows only lower-case "
                    + "letters, digits, '.' and '-' in: set kind.installation (or the top-level installation) to such a value");
        }
        if (createWait.isNegative() || createWait.isZero()) {
            throw config("kind.wait must be a positive duration, e.g. 5m");
        }
    }

    public static List<SettingSpec> specs() {
        return List.of(
                SettingSpec.optional("binary", "the kind CLI: a name on PATH or a path", "kind"),
                SettingSpec.optional("node-image", "node image of new clusters (kind create cluster --image), pinned", DEFAULT_NODE_IMAGE),
                SettingSpec.optional("wait", "how long kind create cluster --wait waits for the control plane", "5m"),
                SettingSpec.optional("state-dir", "where each cluster's CA files and kind config are kept while it exists; must be on the "
                        + "Docker engine's host, as they are bind-mounted into the node (default: $XDG_STATE_HOME/ephemera/kind)", null),
                SettingSpec.optional("host", "Docker engine the nodes run on (default: $DOCKER_HOST, else the unix socket); kind itself reads DOCKER_HOST",
                        DockerSettings.DEFAULT_HOST),
                SettingSpec.optional("installation", "value of the ephemera.dev/installation label, part of every kind cluster name "
                        + "(default: the top-level installation)", "default"));
    }

    /** Reads the section; {@code env} supplies DOCKER_HOST, XDG_STATE_HOME and HOME. */
    public static KindSettings from(Settings s, Map<String, String> env) {
        s.validate(specs());
        String installation = s.string("installation", "default");
        Map<String, Object> docker = new LinkedHashMap<>();
        s.string("host").filter(h -> !h.isBlank()).ifPresent(h -> docker.put("host", h));
        docker.put("installation", installation.isBlank() ? "default" : installation);
        DockerSettings d = DockerSettings.from(new Settings("kind", docker), env);
        Path stateDir = s.string("state-dir").filter(p -> !p.isBlank()).map(Path::of).orElseGet(() -> defaultStateDir(env));
        return new KindSettings(s.string("binary", "kind").trim(), s.string("node-image", DEFAULT_NODE_IMAGE).trim(),
                s.duration("wait", Duration.ofMinutes(5)), stateDir.toAbsolutePath(), installation, d);
    }

    private static Path defaultStateDir(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "ephemera", "kind");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "state", "ephemera", "kind");
    }

    private static EphemeraException config(String message) {
        return new EphemeraException(ErrorCode.CONFIGURATION, message);
    }
}
