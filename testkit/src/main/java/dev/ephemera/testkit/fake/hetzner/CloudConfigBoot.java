package dev.ephemera.testkit.fake.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads cloud-init user data the way a Hetzner Ubuntu server would: base64-of-gzip or plain
 * {@code #cloud-config}, checked against cloud-init's JSON schema; {@code bootcmd} before
 * {@code write_files} before {@code runcmd}; and finds what K3s would find when it first starts.
 */
final class CloudConfigBoot {
    static final String SCHEMA_PATH = "specs/cloud-init/schema-cloud-config-v1.json";
    static final String TLS = "/var/lib/rancher/k3s/server/tls/";
    static final List<String> K3S_CA_FILES = List.of("server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key",
            "request-header-ca.crt", "request-header-ca.key", "etcd/peer-ca.crt", "etcd/peer-ca.key", "etcd/server-ca.crt",
            "etcd/server-ca.key", "service.key");
    private static final String BASE = "https://spec.ephemera.invalid/cloud-init/schema-cloud-config-v1.json";
    private static final Pattern VERSION = Pattern.compile("INSTALL_K3S_VERSION=['\"]?([^'\"\\s]+)");
    private static final Pattern INSTALLER = Pattern.compile("get\\.k3s\\.io|INSTALL_K3S_");
    private static final Pattern BLOCK = Pattern.compile("169\\.254\\.169\\.254[^\\n]*(DROP|drop)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static volatile Schema schema;

    /** The files written, with content and permissions, and what the analysis found. */
    record Result(BootReport report, Map<String, String> contents) {
    }

    private CloudConfigBoot() {
    }

    static Result read(String userData) {
        List<String> problems = new ArrayList<>();
        boolean compressed = false;
        String doc = userData == null ? "" : userData;
        if (!doc.startsWith("#cloud-config") && !doc.isEmpty()) {
            if (doc.contains("\n")) {
                problems.add("user data is neither #cloud-config nor single-line base64; Hetzner leaves base64 with line breaks undecoded");
            } else {
                try {
                    byte[] raw = Base64.getDecoder().decode(doc);
                    if (raw.length > 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
                        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                            doc = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                        compressed = true;
                    } else {
                        doc = new String(raw, StandardCharsets.UTF_8);
                    }
                } catch (IllegalArgumentException | IOException e) {
                    problems.add("user data is neither #cloud-config nor base64 of gzip: " + e.getMessage());
                }
            }
        }
        if (!doc.startsWith("#cloud-config")) {
            problems.add("user data does not start with #cloud-config, so cloud-init does not read it as cloud-config");
            return new Result(new BootReport(compressed, Map.of(), Optional.empty(), 6443, List.of(), false, true, true, problems), Map.of());
        }
        JsonNode root;
        try {
            root = YAML.readTree(doc);
        } catch (IOException e) {
            problems.add("cloud-config is not YAML: " + e.getMessage());
            return new Result(new BootReport(compressed, Map.of(), Optional.empty(), 6443, List.of(), false, true, true, problems), Map.of());
        }
        try {
            for (Error e : schema().validate(JSON.writeValueAsString(root), InputFormat.JSON)) {
                problems.add("cloud-init schema: " + e.getInstanceLocation() + " " + e.getMessage());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        Map<String, String> contents = new LinkedHashMap<>();
        Map<String, String> permissions = new LinkedHashMap<>();
        for (JsonNode f : root.path("write_files")) {
            String path = f.path("path").asText();
            String content = f.path("content").asText("");
            String enc = f.path("encoding").asText("text/plain");
            if (enc.contains("b64") || enc.contains("base64")) {
                byte[] raw = Base64.getMimeDecoder().decode(content);
                if (enc.startsWith("gz")) {
                    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                        raw = in.readAllBytes();
                    } catch (IOException e) {
                        problems.add("write_files " + path + ": not gzip: " + e.getMessage());
                    }
                }
                content = new String(raw, StandardCharsets.UTF_8);
            }
            contents.put(path, content);
            permissions.put(path, f.path("permissions").asText("0644"));
        }

        // Where K3s is installed: runcmd (final stage, after write_files) or bootcmd (before it).
        String boot = expand(commands(root.path("bootcmd")), contents, 0);
        String run = expand(commands(root.path("runcmd")), contents, 0);
        boolean installedEarly = INSTALLER.matcher(boot).find();
        String script = installedEarly ? boot : run;
        Matcher installer = INSTALLER.matcher(script);
        Optional<String> version = Optional.empty();
        boolean blocked = false;
        if (installer.find()) {
            Matcher v = VERSION.matcher(script);
            if (v.find()) {
                version = Optional.of(v.group(1));
            } else {
                problems.add("K3s is installed without INSTALL_K3S_VERSION: the version is whatever the channel points at");
                version = Optional.of("unpinned");
            }
            // The installer itself must be pinned: a fixed ref, its sha256 checked before it runs.
            if (script.contains("get.k3s.io")) {
                problems.add("the K3s installer comes from get.k3s.io, which serves whatever install.sh is newest: fetch it at a pinned ref");
            }
            int check = script.indexOf("sha256sum");
            if (check < 0 || check > installer.start()) {
                problems.add("the K3s installer is run without checking its sha256 first");
            }
            Matcher b = BLOCK.matcher(script);
            blocked = b.find() && b.start() < installer.start();
            if (!blocked) {
                problems.add("pod traffic to the metadata address 169.254.169.254 is not blocked before K3s is installed");
            }
        } else {
            problems.add("K3s is never installed: no get.k3s.io / INSTALL_K3S_VERSION in runcmd or bootcmd");
        }
        if (installedEarly) {
            problems.add("K3s is installed from bootcmd, which runs before write_files: it starts without our CA files");
        }

        Map<String, String> seen = installedEarly ? Map.of() : contents;
        for (String f : K3S_CA_FILES) {
            if (!seen.containsKey(TLS + f)) {
                problems.add("K3s finds no " + TLS + f + " at first start and makes its own");
            }
        }
        for (Map.Entry<String, String> p : permissions.entrySet()) {
            if (p.getKey().startsWith(TLS) && p.getKey().endsWith(".key") && !p.getValue().matches("0?0?600|0o600")) {
                problems.add("private key " + p.getKey() + " is written with permissions " + p.getValue() + ", not 0600");
            }
        }
        boolean ownServerCa = !(seen.containsKey(TLS + "server-ca.crt") && seen.containsKey(TLS + "server-ca.key"));
        boolean ownClientCa = !seen.containsKey(TLS + "client-ca.crt");

        int port = 6443;
        List<String> sans = new ArrayList<>();
        String config = contents.get("/etc/rancher/k3s/config.yaml");
        if (config != null) {
            try {
                JsonNode c = YAML.readTree(config);
                if (c != null) {
                    port = c.path("https-listen-port").asInt(6443);
                    c.path("tls-san").forEach(s -> sans.add(s.asText()));
                }
            } catch (IOException e) {
                problems.add("/etc/rancher/k3s/config.yaml is not YAML: K3s refuses to start: " + e.getMessage());
                version = Optional.empty();
            }
        }
        return new Result(new BootReport(compressed, permissions, version, port, sans, blocked, ownServerCa, ownClientCa, problems), contents);
    }

    private static List<String> commands(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : list) {
            if (c.isArray()) {
                List<String> words = new ArrayList<>();
                c.forEach(w -> words.add(w.asText()));
                out.add(String.join(" ", words));
            } else if (!c.isNull()) {
                out.add(c.asText());
            }
        }
        return out;
    }

    /** The commands in order, with every script they run (a written file named in them) inlined right where it runs. */
    private static String expand(List<String> commands, Map<String, String> files, int depth) {
        StringBuilder sb = new StringBuilder();
        for (String c : commands) {
            for (String line : c.split("\n")) {
                sb.append(line).append('\n');
                if (depth >= 3 || line.stripLeading().startsWith("#")) {
                    continue;
                }
                for (Map.Entry<String, String> f : files.entrySet()) {
                    if (f.getValue().startsWith("#!") && line.matches("(?s).*(^|\\s)" + Pattern.quote(f.getKey()) + "(\\s|$).*")) {
                        sb.append(expand(List.of(f.getValue()), files, depth + 1));
                    }
                }
            }
        }
        return sb.toString();
    }

    private static Schema schema() {
        Schema s = schema;
        if (s == null) {
            try {
                String text = Files.readString(SharedSpecs.locate(SCHEMA_PATH));
                SchemaRegistry registry = SchemaRegistry.withDefaultDialect(Dialects.getDraft4(), b -> b.schemas(Map.of(BASE, text)));
                s = registry.getSchema(SchemaLocation.of(BASE));
                schema = s;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the cloud-init schema", e);
            }
        }
        return s;
    }
}
