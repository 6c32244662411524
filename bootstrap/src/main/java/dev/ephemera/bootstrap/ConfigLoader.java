package dev.ephemera.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.spi.SettingSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds, reads and validates {@code ephemera.yaml} (DESIGN section 6).
 *
 * <p>Lookup order: {@code --config}, {@code $EPHEMERA_CONFIG}, {@code ./ephemera.yaml},
 * {@code $XDG_CONFIG_HOME/ephemera/config.yaml}, {@code ~/.config/ephemera/config.yaml}; none found
 * means the embedded defaults. Every known key can be overridden by an environment variable
 * {@code EPHEMERA_<SECTION>_<KEY>} (upper case, {@code -} and {@code .} as {@code _}); any other
 * {@code EPHEMERA_…} variable is refused as a misspelt key, except those of
 * {@link CoreSettings#NON_SETTING_VARIABLES}, test variables and variables named by {@code env:} references. Secret values are never written inline: a setting marked
 * secret must be {@code env:NAME} or {@code file:/path}, resolved here. Unknown keys are refused
 * with the known ones listed.
 */
public final class ConfigLoader {
    /** Made on first use: without a configuration file (the embedded defaults) a command loads no YAML parser or Jackson. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());

        @SuppressWarnings("unchecked")
        static Map<String, Object> read(Path p) {
            try {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                if (text.isBlank()) {
                    return new LinkedHashMap<>();
                }
                Object parsed = MAPPER.readValue(text, Object.class);
                if (parsed == null) {
                    return new LinkedHashMap<>();
                }
                if (!(parsed instanceof Map)) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, p + " must be a YAML map of settings at the top level");
                }
                return deepCopy((Map<String, Object>) parsed);
            } catch (JsonProcessingException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, p + " is not valid YAML: " + e.getOriginalMessage()
                        + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
            } catch (IOException e) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "cannot read " + p + ": " + e.getMessage(), e);
            }
        }
    }

    private final AdapterRegistry registry;

    public ConfigLoader(AdapterRegistry registry) {
        this.registry = registry;
    }

    /** Where to look, made explicit so tests never read the real home directory. */
    public record Request(Optional<Path> explicit, Map<String, String> env, Path workingDir, Path home) {
        public static Request fromProcess(Optional<Path> explicit) {
            return new Request(explicit, System.getenv(), Path.of("").toAbsolutePath(), Path.of(System.getProperty("user.home")));
        }
    }

    public EphemeraConfig load(Request request) {
        Optional<Path> file = locate(request);
        Map<String, Object> tree = file.map(ConfigLoader::read).orElseGet(LinkedHashMap::new);
        applyEnvironment(tree, request.env());
        Map<String, Set<String>> secretKeys = validate(tree, file);
        resolveReferences(tree, "", request.env(), secretKeys, file.isPresent() ? fileValues(file.get()) : Map.of());
        EphemeraConfig config = new EphemeraConfig(tree, file, secretKeys);
        config.warmPools(); // a bad warm pool fails the start, not the first claim
        return config;
    }

    private static Optional<Path> locate(Request r) {
        if (r.explicit().isPresent()) {
            Path p = r.explicit().get();
            if (!Files.isRegularFile(p)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "configuration file " + p + " (from --config) does not exist");
            }
            return Optional.of(p);
        }
        String fromEnv = r.env().get("EPHEMERA_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (!Files.isRegularFile(p)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "configuration file " + p + " (from $EPHEMERA_CONFIG) does not exist");
            }
            return Optional.of(p);
        }
        List<Path> candidates = new ArrayList<>(List.of(r.workingDir().resolve("ephemera.yaml")));
        String xdg = r.env().get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            candidates.add(Path.of(xdg).resolve("ephemera/config.yaml"));
        }
        candidates.add(r.home().resolve(".config/ephemera/config.yaml"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static Map<String, Object> read(Path p) {
        return Yaml.read(p);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v instanceof Map ? deepCopy((Map<String, Object>) v) : v));
        return out;
    }

    /** Every (section, key) pair known: the core's and each installed adapter's. */
    private Map<String, List<SettingSpec>> knownSections() {
        Map<String, List<SettingSpec>> out = new LinkedHashMap<>(CoreSettings.SECTIONS);
        for (String name : registry.adapterNames()) {
            out.merge(name, registry.settingsOfSection(name), (a, b) -> {
                List<SettingSpec> u = new ArrayList<>(a);
                b.stream().filter(s -> a.stream().noneMatch(x -> x.key().equals(s.key()))).forEach(u::add);
                return u;
            });
        }
        return out;
    }

    private static String envName(String path) {
        return "EPHEMERA_" + path.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    @SuppressWarnings("unchecked")
    private void applyEnvironment(Map<String, Object> tree, Map<String, String> env) {
        Map<String, String> pathByEnv = new HashMap<>();
        for (SettingSpec s : CoreSettings.TOP_LEVEL) {
            pathByEnv.put(envName(s.key()), s.key());
        }
        knownSections().forEach((section, specs) -> specs.forEach(s -> pathByEnv.put(envName(section + "." + s.key()), section + "." + s.key())));
        // Seed variables first, so an EPHEMERA_ variable for the same key wins.
        CoreSettings.SEED_ALIASES.forEach((var, path) -> {
            String v = env.get(var);
            String section = path.substring(0, path.indexOf('.'));
            if (v != null && !v.isBlank() && knownSections().containsKey(section)) {
                set(tree, path, v);
            }
        });
        // In a pod (seed 001's Deployment sets only PORT and USE_IN_CLUSTER), Flagger must reach the server.
        if (env.containsKey("KUBERNETES_SERVICE_HOST") && !(tree.get("server") instanceof Map<?, ?> srv && srv.containsKey("host"))) {
            set(tree, "server.host", "0.0.0.0");
        }
        Set<String> referenced = new HashSet<>();
        collectReferences(tree, referenced);
        env.forEach((k, v) -> {
            if (pathByEnv.containsKey(k) && v != null && v.startsWith("env:")) {
                referenced.add(v.substring(4));
            }
        });
        for (String k : new TreeSet<>(env.keySet())) {
            if (k.startsWith("EPHEMERA_") && !pathByEnv.containsKey(k) && !CoreSettings.NON_SETTING_VARIABLES.contains(k)
                    && !k.startsWith(CoreSettings.TEST_VARIABLE_PREFIX) && !referenced.contains(k)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "unknown setting in the environment: " + k + " is no configuration key; "
                        + "known " + similar(k, pathByEnv.keySet()) + ". Other EPHEMERA_ variables that are not settings: "
                        + String.join(", ", new TreeSet<>(CoreSettings.NON_SETTING_VARIABLES)) + ", " + CoreSettings.TEST_VARIABLE_PREFIX
                        + "*. Unset it or correct its name");
            }
        }
        env.forEach((k, v) -> {
            String path = pathByEnv.get(k);
            if (path != null) {
                set(tree, path, v);
            }
        });
    }

    /** The known variables of the same section as {@code name}, else every known one. */
    private static String similar(String name, Set<String> known) {
        int second = name.indexOf('_', "EPHEMERA_".length());
        String prefix = second < 0 ? name : name.substring(0, second + 1);
        Set<String> same = new TreeSet<>();
        known.stream().filter(k -> k.startsWith(prefix)).forEach(same::add);
        return same.isEmpty() ? "ones: " + String.join(", ", new TreeSet<>(known)) : "ones of that section: " + String.join(", ", same);
    }

    /** Names of the environment variables the configuration refers to with {@code env:NAME}. */
    @SuppressWarnings("unchecked")
    private static void collectReferences(Map<String, Object> m, Set<String> out) {
        m.values().forEach(v -> {
            if (v instanceof Map) {
                collectReferences((Map<String, Object>) v, out);
            } else if (v instanceof String s && s.startsWith("env:")) {
                out.add(s.substring(4));
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static void set(Map<String, Object> tree, String path, String value) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            tree.put(path, value);
            return;
        }
        String section = path.substring(0, dot);
        Object s = tree.get(section);
        Map<String, Object> m;
        if (s instanceof Map) {
            m = (Map<String, Object>) s;
        } else {
            m = new LinkedHashMap<>();
            tree.put(section, m);
        }
        m.put(path.substring(dot + 1), value);
    }

    /** Checks every key; returns the secret keys of each section. */
    @SuppressWarnings("unchecked")
    private Map<String, Set<String>> validate(Map<String, Object> tree, Optional<Path> file) {
        String where = file.map(p -> " in " + p).orElse("");
        Map<String, List<SettingSpec>> sections = knownSections();
        Set<String> topKeys = new TreeSet<>();
        CoreSettings.TOP_LEVEL.forEach(s -> topKeys.add(s.key()));
        Set<String> known = new TreeSet<>(topKeys);
        known.addAll(sections.keySet());
        known.addAll(CoreSettings.NAMED_SECTIONS);
        Map<String, Set<String>> secretKeys = new HashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String key = e.getKey();
            if (!known.contains(key)) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "unknown setting '" + key + "'" + where + "; known top-level settings: "
                        + String.join(", ", known));
            }
            if (CoreSettings.NAMED_SECTIONS.contains(key)) {
                if (!(e.getValue() instanceof Map)) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "'" + key + "'" + where + " must be a section (a map of names to settings)");
                }
            } else if (sections.containsKey(key)) {
                if (!(e.getValue() instanceof Map)) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "'" + key + "'" + where + " must be a section (a map of settings)");
                }
                List<SettingSpec> specs = sections.get(key);
                Set<String> sectionKnown = new TreeSet<>();
                specs.forEach(s -> sectionKnown.add(s.key()));
                Set<String> secrets = new HashSet<>();
                specs.stream().filter(SettingSpec::secret).forEach(s -> secrets.add(s.key()));
                secretKeys.put(key, secrets);
                for (String k : ((Map<String, Object>) e.getValue()).keySet()) {
                    if (!sectionKnown.contains(k)) {
                        throw new EphemeraException(ErrorCode.CONFIGURATION, "unknown setting '" + key + "." + k + "'" + where
                                + "; known settings of " + key + ": " + (sectionKnown.isEmpty() ? "(none)" : String.join(", ", sectionKnown)));
                    }
                }
            } else if (e.getValue() instanceof Map) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "'" + key + "'" + where + " must be a single value, not a section");
            }
        }
        return secretKeys;
    }

    /** The literal (section.key → value) pairs written in the file, to tell inline secrets from environment overrides. */
    private static Map<String, Object> fileValues(Path file) {
        Map<String, Object> flat = new HashMap<>();
        flatten("", read(file), flat);
        return flat;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> m, Map<String, Object> out) {
        m.forEach((k, v) -> {
            if (v instanceof Map) {
                flatten(prefix + k + ".", (Map<String, Object>) v, out);
            } else {
                out.put(prefix + k, v);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static void resolveReferences(Map<String, Object> m, String prefix, Map<String, String> env,
                                          Map<String, Set<String>> secretKeys, Map<String, Object> inFile) {
        resolveReferences(m, prefix, env, secretKeys, inFile, false);
    }

    /** @param allSecret inside a secret setting that is a map (e.g. {@code server.tokens}): every value in it is secret */
    @SuppressWarnings("unchecked")
    private static void resolveReferences(Map<String, Object> m, String prefix, Map<String, String> env,
                                          Map<String, Set<String>> secretKeys, Map<String, Object> inFile, boolean allSecret) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String path = prefix + e.getKey();
            Object v = e.getValue();
            String section = prefix.isEmpty() ? "" : prefix.substring(0, prefix.indexOf('.'));
            boolean secret = allSecret || secretKeys.getOrDefault(section, Set.of()).contains(e.getKey()) && prefix.equals(section + ".");
            if (v instanceof Map) {
                resolveReferences((Map<String, Object>) v, path + ".", env, secretKeys, inFile, secret);
                continue;
            }
            if (!(v instanceof String s)) {
                if (secret && v != null && v.equals(inFile.get(path))) {
                    throw new EphemeraException(ErrorCode.CONFIGURATION, "setting " + path + " is secret and must not be written inline: use env:NAME or file:/path/to/secret");
                }
                continue;
            }
            boolean isRef = s.startsWith("env:") || s.startsWith("file:");
            if (secret && !isRef && s.equals(inFile.get(path))) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "setting " + path + " is secret and must not be written inline: use env:NAME or file:/path/to/secret");
            }
            if (isRef) {
                e.setValue(resolve(path, s, env));
            }
        }
    }

    private static String resolve(String path, String ref, Map<String, String> env) {
        if (ref.startsWith("env:")) {
            String name = ref.substring(4);
            String v = env.get(name);
            if (v == null) {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "setting " + path + " refers to environment variable " + name + ", which is not set");
            }
            return v;
        }
        Path p = Path.of(ref.substring(5));
        try {
            return stripFinalNewline(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "setting " + path + " refers to file " + p + ", which cannot be read: " + e.getMessage(), e);
        }
    }

    private static String stripFinalNewline(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
