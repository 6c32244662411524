package dev.ephemera.testkit.dns;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq}, on a loopback address of its own
 * ({@code 127.0.53.x}) and a high port, authoritative for one zone and serving the A records of a
 * hosts directory it watches (inotify), so a name can appear while a test waits for it. Nothing
 * else: no upstream, no system hosts file, no DHCP, no negative cache. Started and stopped by the
 * test (by its own process handle).
 */
public final class Dnsmasq implements AutoCloseable {
    private static final Duration READY_DEADLINE = Duration.ofSeconds(20);

    private final Process process;
    private final String host;
    private final int port;
    private final Path hostsDir;
    private final Path log;

    private Dnsmasq(Process process, String host, int port, Path hostsDir, Path log) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.hostsDir = hostsDir;
        this.log = log;
    }

    /** The dnsmasq binary, if installed ({@code apt-get install dnsmasq-base}). */
    public static Optional<Path> binary() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        return dirs.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, "dnsmasq")).filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts dnsmasq serving {@code zone} (names in it that are not in the hosts directory get
     * NXDOMAIN), with its files under {@code workDir}.
     *
     * @throws IllegalStateException if dnsmasq is not installed or does not start
     */
    public static Dnsmasq start(Path workDir, String zone) throws IOException {
        Path binary = binary().orElseThrow(() -> new IllegalStateException("dnsmasq is not installed (apt-get install dnsmasq-base)"));
        Path hosts = Files.createDirectories(workDir.resolve("dnsmasq-hosts"));
        IOException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            String host = "127.0.53." + ThreadLocalRandom.current().nextInt(2, 250);
            int port = freeUdpPort(host);
            Path log = workDir.resolve("dnsmasq-" + attempt + ".log");
            Process p = new ProcessBuilder(binary.toString(), "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                    "--no-negcache", "--bind-interfaces", "--listen-address=" + host, "--port=" + port, "--local=/" + zone + "/",
                    "--hostsdir=" + hosts, "--pid-file=", "--log-facility=-", "--log-queries", "--user=" + System.getProperty("user.name"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Dnsmasq d = new Dnsmasq(p, host, port, hosts, log);
            if (d.awaitAnswering()) {
                return d;
            }
            d.close();
            last = new IOException("dnsmasq did not answer on " + host + ":" + port + ": " + Files.readString(log));
        }
        throw new IllegalStateException("dnsmasq did not start", last);
    }

    /** {@code host:port}, as a resolver setting takes it. */
    public String address() {
        return host + ":" + port;
    }

    /** Serves {@code name} → {@code ipv4} from now on (dnsmasq reads the new file by itself). */
    public void put(String name, String ipv4) throws IOException {
        Path tmp = hostsDir.resolve("." + name + ".tmp");
        Files.writeString(tmp, ipv4 + " " + name + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, hostsDir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** What dnsmasq logged so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private boolean awaitAnswering() {
        long end = System.nanoTime() + READY_DEADLINE.toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
            if (answers()) {
                return true;
            }
        }
        return false;
    }

    /** One query for {@code ready.invalid.} A: any answer at all means the server is up. */
    private boolean answers() {
        byte[] q = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                5, 'r', 'e', 'a', 'd', 'y', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0, 0x00, 0x01, 0x00, 0x01};
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            s.setSoTimeout(200);
            s.send(new DatagramPacket(q, q.length, InetAddress.getByName(host), port));
            byte[] buf = new byte[512];
            s.receive(new DatagramPacket(buf, buf.length));
            return buf[0] == 0x12 && buf[1] == 0x34;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freeUdpPort(String host) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
