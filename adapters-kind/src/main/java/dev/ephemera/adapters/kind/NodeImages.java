package dev.ephemera.adapters.kind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.backend.ImageLoading.ImageLoadReport;
import dev.ephemera.ports.backend.ImageLoading.NodeLoad;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads images from the local engine into nodes' containerd, the kind way: {@code docker save}
 * once, then per node {@code ctr --namespace=k8s.io images import --all-platforms -} over
 * {@code docker exec} with the archive on stdin. A node that lists an image with the same ID
 * ({@code crictl images -o json}) is skipped; afterwards every node must list every image. With one
 * node the archive streams from the engine straight into the node ({@link ExecWithStdin}); with several it is written to
 * a temporary file once and streamed from there to each node.
 */
final class NodeImages {
    private static final Logger LOG = LoggerFactory.getLogger(NodeImages.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(30);

    private final DockerEngine engine;
    private final DockerSettings settings;

    NodeImages(DockerEngine engine, DockerSettings settings) {
        this.engine = engine;
        this.settings = settings;
    }

    /** @param nodes node container name → container id */
    ImageLoadReport load(Map<String, String> nodes, List<String> images) {
        if (images.isEmpty()) {
            throw EphemeraException.invalid("name at least one image to load");
        }
        Map<String, String> ids = new LinkedHashMap<>();
        for (String image : images) {
            ids.put(image, imageId(image));
        }
        Map<String, List<String>> missingByNode = new LinkedHashMap<>();
        Set<String> toSave = new java.util.LinkedHashSet<>();
        for (Map.Entry<String, String> node : nodes.entrySet()) {
            Set<String> present = listed(node.getValue(), node.getKey());
            List<String> missing = images.stream().filter(i -> !present.contains(ids.get(i))).toList();
            missingByNode.put(node.getKey(), missing);
            toSave.addAll(missing);
        }
        Map<String, Long> bytes = new LinkedHashMap<>();
        List<String> targets = missingByNode.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
        if (!targets.isEmpty()) {
            List<String> saved = images.stream().filter(toSave::contains).toList();
            if (targets.size() == 1) {
                try (InputStream archive = save(saved)) {
                    bytes.put(targets.get(0), importInto(targets.get(0), nodes.get(targets.get(0)), archive));
                } catch (IOException e) {
                    throw engine.unavailable("saving " + saved, e);
                }
            } else {
                Path tmp = null;
                try {
                    tmp = Files.createTempFile("ephemera-images", ".tar");
                    try (InputStream archive = save(saved); OutputStream out = Files.newOutputStream(tmp)) {
                        archive.transferTo(out);
                    }
                    for (String node : targets) {
                        try (InputStream in = Files.newInputStream(tmp)) {
                            bytes.put(node, importInto(node, nodes.get(node), in));
                        }
                    }
                } catch (IOException e) {
                    throw engine.unavailable("saving " + saved + " to a temporary file", e);
                } finally {
                    if (tmp != null) {
                        try {
                            Files.deleteIfExists(tmp);
                        } catch (IOException e) {
                            LOG.warn("could not delete the image archive {}: {}", tmp, e.getMessage());
                        }
                    }
                }
            }
        }
        List<NodeLoad> report = new ArrayList<>();
        for (Map.Entry<String, String> node : nodes.entrySet()) {
            Set<String> present = listed(node.getValue(), node.getKey());
            for (String image : images) {
                if (!present.contains(ids.get(image))) {
                    throw EphemeraException.backend("node " + node.getKey() + " does not list image " + image + " (" + ids.get(image)
                            + ") after the import; check the node's containerd (docker exec " + node.getKey()
                            + " crictl images) and run load-image again", null);
                }
            }
            List<String> imported = missingByNode.get(node.getKey());
            report.add(new NodeLoad(node.getKey(), imported, images.stream().filter(i -> !imported.contains(i)).toList(),
                    bytes.getOrDefault(node.getKey(), 0L)));
        }
        return new ImageLoadReport(report);
    }

    private String imageId(String image) {
        try {
            InspectImageResponse r = engine.client().inspectImageCmd(image).exec();
            return r.getId();
        } catch (NotFoundException e) {
            throw EphemeraException.notFound("image " + image + " is not in the local Docker engine at " + engine.host()
                    + ": build or pull it first (docker images " + image + " lists nothing)");
        } catch (RuntimeException e) {
            return engine.call("looking up image " + image, () -> {
                throw e;
            });
        }
    }

    private InputStream save(List<String> images) {
        return engine.call("saving " + images, () -> {
            var cmd = engine.client().saveImagesCmd();
            for (String image : images) {
                int slash = image.lastIndexOf('/');
                int colon = image.lastIndexOf(':');
                if (image.contains("@")) {
                    throw EphemeraException.invalid("image " + image + ": name images by repository and tag, not digest");
                }
                if (colon > slash) {
                    cmd.withImage(image.substring(0, colon), image.substring(colon + 1));
                } else {
                    cmd.withImage(image, "latest");
                }
            }
            return cmd.exec();
        });
    }

    /** IDs of the images the node's CRI lists. */
    Set<String> listed(String containerId, String node) {
        Exec r = exec(containerId, List.of("crictl", "images", "-o", "json"), null);
        if (r.exit() != 0) {
            throw EphemeraException.backend("listing the images of node " + node + " failed (crictl exit " + r.exit() + "): " + tail(r.err()), null);
        }
        Set<String> ids = new HashSet<>();
        try {
            for (JsonNode image : JSON.readTree(r.out()).path("images")) {
                ids.add(image.path("id").asText());
            }
        } catch (IOException e) {
            throw EphemeraException.backend("node " + node + " answered crictl images with something that is not JSON: " + tail(r.out()), e);
        }
        return ids;
    }

    private long importInto(String node, String containerId, InputStream archive) {
        AtomicLong count = new AtomicLong();
        InputStream counted = new FilterInputStream(archive) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count.addAndGet(n);
                }
                return n;
            }
        };
        LOG.info("importing images into node {}", node);
        Exec r = exec(containerId, List.of("ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "-"), counted);
        if (r.exit() != 0) {
            throw EphemeraException.backend("importing images into node " + node + " failed (ctr exit " + r.exit() + "): " + tail(r.err() + r.out()), null);
        }
        return count.get();
    }

    record Exec(long exit, String out, String err) {
    }

    private Exec exec(String containerId, List<String> cmd, InputStream stdin) {
        ExecCreateCmdResponse created = engine.call("starting " + cmd.get(0) + " in container " + containerId, () -> engine.client()
                .execCreateCmd(containerId).withCmd(cmd.toArray(String[]::new)).withAttachStdin(stdin != null).withAttachStdout(true)
                .withAttachStderr(true).exec());
        String stdout;
        String stderr;
        if (stdin != null) {
            try {
                ExecWithStdin.Output o = ExecWithStdin.start(settings, created.getId(), stdin, IMPORT_TIMEOUT);
                stdout = o.stdout();
                stderr = o.stderr();
            } catch (IOException e) {
                throw engine.unavailable("streaming into " + cmd.get(0) + " in container " + containerId, e);
            }
        } else {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            boolean done;
            try {
                done = engine.client().execStartCmd(created.getId()).exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame f) {
                        synchronized (out) {
                            (f.getStreamType() == StreamType.STDERR ? err : out).writeBytes(f.getPayload());
                        }
                    }
                }).awaitCompletion(IMPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EphemeraException.timeout("interrupted while running " + cmd.get(0) + " in container " + containerId);
            } catch (RuntimeException e) {
                return engine.call("running " + cmd + " in container " + containerId, () -> {
                    throw e;
                });
            }
            if (!done) {
                throw EphemeraException.timeout(String.join(" ", cmd) + " in container " + containerId + " took longer than " + IMPORT_TIMEOUT);
            }
            synchronized (out) {
                stdout = out.toString(StandardCharsets.UTF_8);
                stderr = err.toString(StandardCharsets.UTF_8);
            }
        }
        Long exit = engine.call("reading the exit code of " + cmd.get(0), () -> engine.client().inspectExecCmd(created.getId()).exec().getExitCodeLong());
        return new Exec(exit == null ? -1 : exit, stdout, stderr);
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() > 2000 ? "…" + t.substring(t.length() - 2000) : t.isEmpty() ? "(no output)" : t;
    }
}
