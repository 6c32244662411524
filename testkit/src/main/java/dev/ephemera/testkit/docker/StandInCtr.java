package dev.ephemera.testkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code ctr} and {@code crictl} of the stand-in K3s image, over one record of the images the
 * node's containerd holds ({@code <data-dir>/agent/containerd/stand-in-images}, one line
 * {@code namespace id ref} per image):
 * <ul>
 * <li>{@code ctr --namespace=NS images import [--all-platforms] [--digests] -} reads a
 *     {@code docker save} archive from stdin (a tar with {@code manifest.json}), checks each image's
 *     config blob is in it and hashes to the name it has, and records the images under their
 *     normalised references ({@code docker.io/library/name:tag}); a stream that is not such an
 *     archive fails with exit 1, like ctr;</li>
 * <li>{@code ctr --namespace=NS images ls -q} prints the references;</li>
 * <li>{@code crictl images -o json} prints the {@code k8s.io} images as the CRI lists them: id and repoTags.</li>
 * </ul>
 */
public final class StandInCtr {
    static final Path RECORD = Path.of("/var/lib/rancher/k3s/agent/containerd/stand-in-images");
    private static final ObjectMapper JSON = new ObjectMapper();

    private StandInCtr() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        if (a.isEmpty()) {
            fail("usage: ctr|crictl ...");
        }
        if (a.get(0).equals("crictl")) {
            crictl(a.subList(1, a.size()));
            return;
        }
        String namespace = "default";
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < a.size(); i++) {
            String x = a.get(i);
            if (x.startsWith("--namespace=")) {
                namespace = x.substring("--namespace=".length());
            } else if (x.equals("--namespace") || x.equals("-n")) {
                namespace = a.get(++i);
            } else if (x.startsWith("-n=")) {
                namespace = x.substring(3);
            } else {
                rest.add(x);
            }
        }
        if (rest.size() >= 2 && rest.get(0).equals("images") && rest.get(1).equals("import")) {
            List<String> opts = rest.subList(2, rest.size());
            if (!opts.contains("-")) {
                fail("ctr: the stand-in imports from stdin only (-)");
            }
            try {
                importArchive(namespace, System.in);
            } catch (IOException | RuntimeException e) {
                fail("ctr: unrecognized image format: " + e.getMessage());
            }
        } else if (rest.size() >= 2 && rest.get(0).equals("images") && (rest.get(1).equals("ls") || rest.get(1).equals("list"))) {
            for (String[] r : records()) {
                if (r[0].equals(namespace)) {
                    System.out.println(r[2]);
                }
            }
        } else {
            fail("ctr: the stand-in knows `images import` and `images ls`, got " + rest);
        }
    }

    private static void crictl(List<String> args) throws IOException {
        if (args.size() < 1 || !args.get(0).equals("images") || !args.contains("json")) {
            fail("crictl: the stand-in knows `images -o json`, got " + args);
        }
        Map<String, List<String>> byId = new LinkedHashMap<>();
        for (String[] r : records()) {
            if (r[0].equals("k8s.io")) {
                byId.computeIfAbsent(r[1], k -> new ArrayList<>()).add(r[2]);
            }
        }
        List<Map<String, Object>> images = new ArrayList<>();
        byId.forEach((id, tags) -> images.add(Map.of("id", id, "repoTags", tags, "repoDigests", List.of(), "size", "0")));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("images", images)));
    }

    private static void importArchive(String namespace, InputStream stdin) throws Exception {
        Map<String, byte[]> small = new LinkedHashMap<>();
        Map<String, String> digests = new LinkedHashMap<>();
        long total = 0;
        try (InputStream in = new BufferedInputStream(stdin, 1 << 16)) {
            byte[] header = new byte[512];
            while (readFully(in, header)) {
                if (allZero(header)) {
                    break;
                }
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim().isEmpty() ? "0" : cString(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                ByteArrayOutputStream keep = size < (1 << 20) ? new ByteArrayOutputStream() : null;
                byte[] buf = new byte[1 << 16];
                long left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        fail("ctr: unexpected EOF in the image archive");
                    }
                    sha.update(buf, 0, n);
                    if (keep != null) {
                        keep.write(buf, 0, n);
                    }
                    left -= n;
                }
                total += size;
                long pad = (512 - size % 512) % 512;
                if (pad > 0) {
                    in.skipNBytes(pad);
                }
                if (type == '0' || type == 0) {
                    digests.put(name, java.util.HexFormat.of().formatHex(sha.digest()));
                    if (keep != null) {
                        small.put(name, keep.toByteArray());
                    }
                }
            }
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        byte[] manifest = small.get("manifest.json");
        if (manifest == null) {
            fail("ctr: unrecognized image format (no manifest.json in the archive)");
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode image : JSON.readTree(manifest)) {
            String config = image.path("Config").asText();
            String digest = digests.get(config);
            if (digest == null) {
                fail("ctr: the archive lacks the image config " + config);
            }
            String id = "sha256:" + digest;
            if (!config.contains(digest)) {
                fail("ctr: image config " + config + " does not hash to its name (" + id + ")");
            }
            for (JsonNode layer : image.path("Layers")) {
                if (!digests.containsKey(layer.asText())) {
                    fail("ctr: the archive lacks layer " + layer.asText());
                }
            }
            for (JsonNode tag : image.path("RepoTags")) {
                String ref = normalise(tag.asText());
                lines.add(namespace + " " + id + " " + ref);
                System.out.println("unpacking " + ref + " (" + id + ")...done");
            }
        }
        Files.createDirectories(RECORD.getParent());
        List<String> kept = new ArrayList<>();
        for (String[] r : records()) {
            boolean replaced = lines.stream().anyMatch(l -> l.endsWith(" " + r[2]) && l.startsWith(r[0] + " "));
            if (!replaced) {
                kept.add(String.join(" ", r));
            }
        }
        kept.addAll(lines);
        Files.write(RECORD, kept, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        System.err.println("stand-in ctr: imported " + lines.size() + " reference(s), " + total + " bytes of content");
    }

    static String normalise(String ref) {
        String name = ref;
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        if (slash < 0) {
            name = "docker.io/library/" + name;
        } else if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            name = "docker.io/" + name;
        }
        return name;
    }

    private static List<String[]> records() throws IOException {
        if (!Files.exists(RECORD)) {
            return List.of();
        }
        List<String[]> out = new ArrayList<>();
        for (String l : Files.readAllLines(RECORD, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                out.add(l.split(" ", 3));
            }
        }
        return out;
    }

    private static boolean readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                return false;
            }
            off += n;
        }
        return true;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    private static void fail(String message) {
        System.err.println(message);
        System.exit(1);
    }
}
