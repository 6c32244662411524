package dev.ephemera.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.testkit.docker.Docker;
import dev.ephemera.testkit.docker.StandInK3sImage;
import dev.ephemera.testkit.pki.K3sTestPki;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Figures of the {@code docker} backend on the real engine with the stand-in K3s image (built here,
 * under the pinned name, removed at the end), driving the packaged CLI as a user would.
 *
 * <pre>
 *   benchmarks/run LocalBackendHarness create RUNS     Ephemera's own create → Ready, minus the stand-in's boot
 *   benchmarks/run LocalBackendHarness load MB RUNS    load-image of an MB-sized image beside docker save | docker exec -i … cat
 * </pre>
 *
 * <b>create</b>: the stand-in's own boot is measured first, RUNS times, without Ephemera: a container
 * of the stand-in image gets a K3s CA tree with {@code docker cp} and is started; the boot is the time
 * from {@code docker start} returning to the first TLS connection its published port holds open
 * (what the backend's observation waits for, polled every 5 ms). Then {@code ephemera cluster create
 * bench-N --wait} runs RUNS times; {@code readyAt − createdAt} of the record is the claim's time to
 * Ready; Ephemera's own time is that minus the median boot. The CLI's wall time (JVM start included)
 * is printed too. <b>load</b>: one cluster; an image of one MB-sized random file made with
 * {@code docker import}; per run, the floor {@code docker save IMG | docker exec -i NODE cat > /dev/null},
 * the kind way by hand {@code docker save IMG | docker exec -i NODE ctr -n k8s.io images import -}, and
 * {@code ephemera cluster load-image} (the node's image record is cleared between runs, so each run imports).
 */
public final class LocalBackendHarness {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "rancher/k3s:v1.31.4-k3s1";
    private static String imageId;

    private LocalBackendHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LocalBackendHarness create RUNS | load MB RUNS");
            System.exit(2);
        }
        Path cli = Path.of(System.getProperty("ephemera.cli", "app-cli/target/ephemera/bin/ephemera")).toAbsolutePath();
        if (!Files.isExecutable(cli)) {
            throw new IllegalStateException(cli + " is not there: ./mvnw -q -DskipTests -pl benchmarks,app-cli -am package");
        }
        Path work = Files.createTempDirectory("local-bench");
        System.out.println("load average at start: " + loadAverage());
        try (StandInK3sImage image = StandInK3sImage.build(IMAGE)) {
            // By ID: another process on this engine may put the pinned name on an image of its own meanwhile.
            imageId = image.id();
            if (args[0].equals("create")) {
                create(cli, work, Integer.parseInt(args[1]));
            } else {
                load(cli, work, Integer.parseInt(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 3);
            }
        } finally {
            Docker.removeLabelled("ephemera.dev/installation=bench");
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println("load average at end: " + loadAverage());
    }

    private static void create(Path cli, Path work, int runs) throws Exception {
        List<Long> boots = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            boots.add(standInBoot(work.resolve("boot-" + i)));
        }
        List<Long> toReady = new ArrayList<>();
        List<Long> walls = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String id = "bench-" + i;
            long t0 = System.nanoTime();
            Run r = ephemera(cli, work, "cluster", "create", id, "--wait", "--timeout", "5m", "--output", "json");
            long wall = (System.nanoTime() - t0) / 1_000_000;
            if (r.exit != 0) {
                throw new IllegalStateException("create failed: " + r.err);
            }
            JsonNode c = JSON.readTree(r.out);
            long ms = Duration.between(Instant.parse(c.path("createdAt").asText()), Instant.parse(c.path("readyAt").asText())).toMillis();
            toReady.add(ms);
            walls.add(wall);
            System.out.printf("run %d: createdAt→readyAt %d ms, CLI wall %d ms, stand-in boot (measured alone) %d ms%n", i, ms, wall, boots.get(i));
            ephemera(cli, work, "cluster", "delete", id, "--wait");
        }
        long boot = median(boots);
        long ready = median(toReady);
        System.out.printf("stand-in boot alone: median %d ms %s%n", boot, boots);
        System.out.printf("claim → Ready (record): median %d ms %s%n", ready, toReady);
        System.out.printf("CLI wall time of create --wait: median %d ms %s%n", median(walls), walls);
        System.out.printf("Ephemera's own time (claim → Ready minus the stand-in's boot): %d ms%n", ready - boot);
    }

    /** Milliseconds from {@code docker start} returning to the stand-in K3s holding a TLS connection open on its published port. */
    private static long standInBoot(Path dir) throws Exception {
        PkiBundle pki = K3sTestPki.bundle("EC");
        Path tls = Files.createDirectories(dir.resolve("server/tls/etcd"));
        for (Map.Entry<String, BundleFile> f : pki.k3sTlsFiles().entrySet()) {
            Path p = dir.resolve("server/tls").resolve(f.getKey());
            Files.write(p, f.getValue().content().revealBytes());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(f.getValue().privateKey() ? "rw-------" : "rw-r--r--"));
        }
        Docker.Result created = Docker.run(List.of("create", "--label", "ephemera.dev/installation=bench", "-p", "127.0.0.1::6443",
                "--tmpfs", "/run", imageId, "server", "--tls-san=127.0.0.1"), null, 120);
        String id = created.out().strip();
        if (created.exit() != 0) {
            throw new IllegalStateException("docker create: " + created.err());
        }
        try {
            Docker.run(List.of("cp", dir.toString() + "/.", id + ":/var/lib/rancher/k3s/"), null, 120);
            Docker.run(List.of("start", id), null, 120);
            long t0 = System.nanoTime();
            String port = Docker.run(List.of("port", id, "6443/tcp"), null, 60).out().strip().lines().findFirst().orElseThrow();
            int p = Integer.parseInt(port.substring(port.lastIndexOf(':') + 1));
            Instant deadline = Instant.now().plusSeconds(120);
            while (!listening(p)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the stand-in did not listen within 120 s: " + Docker.run(List.of("logs", id), null, 60).out());
                }
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
            return (System.nanoTime() - t0) / 1_000_000;
        } finally {
            Docker.run(List.of("rm", "-f", "-v", id), null, 120);
        }
    }

    private static void load(Path cli, Path work, int mb, int runs) throws Exception {
        String img = "ephemera-bench/payload:" + mb + "mb";
        makeImage(work, img, mb);
        try {
            Run c = ephemera(cli, work, "cluster", "create", "bench-load", "--wait", "--timeout", "5m");
            if (c.exit != 0) {
                throw new IllegalStateException("create failed: " + c.err);
            }
            String node = Docker.labelled("container", "ephemera.dev/cluster=bench-load", "ephemera.dev/installation=bench").get(0);
            String docker = Docker.cli().orElseThrow();
            long archive = Long.parseLong(sh(docker + " save " + img + " | wc -c").strip());
            System.out.printf("image %s: docker save archive %d bytes (%.1f MB)%n", img, archive, archive / 1e6);
            List<Double> floor = new ArrayList<>();
            List<Double> byHand = new ArrayList<>();
            List<Double> ours = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                floor.add(mbps(archive, timed(() -> sh(docker + " save " + img + " | " + docker + " exec -i " + node + " cat > /dev/null"))));
                clear(node);
                byHand.add(mbps(archive, timed(() -> sh(docker + " save " + img + " | " + docker + " exec -i " + node
                        + " ctr --namespace=k8s.io images import --all-platforms - > /dev/null"))));
                clear(node);
                long ms = timed(() -> {
                    Run r = ephemera(cli, work, "cluster", "load-image", "bench-load", img);
                    if (r.exit != 0) {
                        throw new IllegalStateException("load-image failed: " + r.err);
                    }
                    return "";
                });
                ours.add(mbps(archive, ms));
                clear(node);
                System.out.printf("run %d: floor %.1f MB/s, by hand (save | exec ctr import) %.1f MB/s, ephemera load-image %.1f MB/s%n",
                        i, floor.get(i), byHand.get(i), ours.get(i));
            }
            System.out.printf("median: floor %.1f MB/s, by hand %.1f MB/s, ephemera load-image %.1f MB/s (CLI process, JVM start included)%n",
                    medianD(floor), medianD(byHand), medianD(ours));
        } finally {
            ephemera(cli, work, "cluster", "delete", "bench-load", "--wait");
            Docker.run(List.of("rmi", "-f", img), null, 120);
        }
    }

    /** Forgets the images the stand-in node's containerd holds, so the next load imports again. */
    private static void clear(String node) throws IOException {
        Docker.run(List.of("exec", node, "sh", "-c", ": > /var/lib/rancher/k3s/agent/containerd/stand-in-images"), null, 60);
    }

    private static void makeImage(Path work, String img, int mb) throws Exception {
        Path tar = work.resolve("payload.tar");
        long size = (long) mb * 1_000_000L;
        SecureRandom random = new SecureRandom();
        try (OutputStream out = Files.newOutputStream(tar)) {
            byte[] header = new byte[512];
            put(header, 0, "payload.bin");
            put(header, 100, "0000644");
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, String.format("%011o", size));
            put(header, 136, String.format("%011o", 1_700_000_000L));
            header[156] = '0';
            put(header, 257, "ustar");
            header[263] = '0';
            header[264] = '0';
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            out.write(header);
            byte[] buf = new byte[1 << 20];
            for (long left = size; left > 0; left -= buf.length) {
                random.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
            out.write(new byte[(int) ((512 - size % 512) % 512)]);
            out.write(new byte[1024]);
        }
        Docker.Result r = Docker.run(List.of("import", "-", img), Files.newInputStream(tar), 600);
        if (r.exit() != 0) {
            throw new IllegalStateException("docker import: " + r.err());
        }
        Files.delete(tar);
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, offset, b.length);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run ephemera(Path cli, Path work, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(cli.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(work.resolve("out.txt").toFile()).redirectError(work.resolve("err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("EPHEMERA_"));
        pb.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
        pb.environment().put("EPHEMERA_DOCKER_PRIVILEGED", "false");
        pb.environment().put("EPHEMERA_INSTALLATION", "bench");
        pb.environment().put("EPHEMERA_DOCKER_IMAGE", imageId);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("ephemera " + String.join(" ", args) + " did not finish in 10 minutes");
        }
        return new Run(p.exitValue(), Files.readString(work.resolve("out.txt")), Files.readString(work.resolve("err.txt")));
    }

    private interface Timed {
        String run() throws Exception;
    }

    private static long timed(Timed t) throws Exception {
        long t0 = System.nanoTime();
        t.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "set -e; " + script).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed: " + script);
        }
        return out;
    }

    private static double mbps(long bytes, long ms) {
        return bytes / 1e6 / (ms / 1000.0);
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(200);
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long median(List<Long> xs) {
        List<Long> s = xs.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    private static double medianD(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
