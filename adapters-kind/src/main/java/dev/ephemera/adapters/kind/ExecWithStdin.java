package dev.ephemera.adapters.kind;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts an exec instance with a stream on its stdin and ends that stream, as {@code docker exec -i}
 * does: the engine's exec start is upgraded to a raw connection, the stream is written to it, and
 * the connection's sending side is then shut down, which is the end of file the command inside
 * waits for ({@code ctr images import -} reads to the end). docker-java's transports never shut
 * down their side, so a command reading its stdin to the end would wait forever; this is the one
 * request Ephemera makes by hand. Unix sockets and plain {@code tcp://} engines; a TLS engine is
 * refused with a clear error (TLS cannot half-close).
 */
final class ExecWithStdin {
    record Output(String stdout, String stderr) {
    }

    private ExecWithStdin() {
    }

    static Output start(DockerSettings settings, String execId, InputStream stdin, Duration timeout) throws IOException {
        if (settings.tlsVerify()) {
            throw new EphemeraException(ErrorCode.INVALID, "load-image needs to end the import's stdin, which a TLS connection to the "
                    + "engine cannot do; run Ephemera where it reaches the engine over its unix socket or plain tcp://");
        }
        URI host = URI.create(settings.host());
        try (SocketChannel ch = open(host)) {
            byte[] body = "{\"Detach\":false,\"Tty\":false}".getBytes(StandardCharsets.US_ASCII);
            String head = "POST /exec/" + execId + "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + body.length + "\r\n\r\n";
            writeAll(ch, head.getBytes(StandardCharsets.US_ASCII));
            writeAll(ch, body);
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            String status = readHead(ch, in);
            if (!status.startsWith("HTTP/1.1 101") && !status.startsWith("HTTP/1.1 200") && !status.startsWith("HTTP/1.0 200")) {
                throw EphemeraException.backend("the Docker engine refused to start exec " + execId + ": " + status, null);
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] buf = new byte[1 << 16];
                try {
                    for (int n = stdin.read(buf); n >= 0; n = stdin.read(buf)) {
                        writeAll(ch, java.util.Arrays.copyOf(buf, n));
                    }
                    ch.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Output out = readFrames(ch, in, Instant.now().plus(timeout));
            try {
                writer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // The command ended before reading all its input (it failed): its exit code tells.
            } catch (TimeoutException e) {
                writer.cancel(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }
    }

    private static SocketChannel open(URI host) throws IOException {
        if ("unix".equals(host.getScheme())) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(host.getPath()));
            return ch;
        }
        if ("tcp".equals(host.getScheme())) {
            SocketChannel ch = SocketChannel.open();
            ch.connect(new InetSocketAddress(host.getHost(), host.getPort() < 0 ? 2375 : host.getPort()));
            return ch;
        }
        throw new EphemeraException(ErrorCode.INVALID, "load-image does not support the engine address " + host);
    }

    private static void writeAll(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads the response head into nothing and leaves whatever followed it in {@code in} (flipped for reading). */
    private static String readHead(SocketChannel ch, ByteBuffer in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (true) {
            in.clear();
            if (ch.read(in) < 0) {
                throw new IOException("the engine closed the connection before answering");
            }
            in.flip();
            while (in.hasRemaining()) {
                byte c = in.get();
                head.write(c);
                last4 = (last4 << 8) | (c & 0xff);
                if (last4 == 0x0D0A0D0A) {
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    return text.substring(0, text.indexOf("\r\n"));
                }
                if (head.size() > 64 * 1024) {
                    throw new IOException("response head longer than 64 KiB");
                }
            }
        }
    }

    /** The engine's multiplexed stream: 8-byte headers (stream type, 0, 0, 0, length) each followed by a payload, until the end. */
    private static Output readFrames(SocketChannel ch, ByteBuffer in, Instant deadline) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        pending.write(in.array(), in.position(), in.remaining());
        while (true) {
            byte[] p = pending.toByteArray();
            int off = 0;
            while (p.length - off >= 8) {
                int len = ((p[off + 4] & 0xff) << 24) | ((p[off + 5] & 0xff) << 16) | ((p[off + 6] & 0xff) << 8) | (p[off + 7] & 0xff);
                if (p.length - off - 8 < len) {
                    break;
                }
                (p[off] == 2 ? err : out).write(p, off + 8, len);
                off += 8 + len;
            }
            pending.reset();
            pending.write(p, off, p.length - off);
            if (Instant.now().isAfter(deadline)) {
                throw EphemeraException.timeout("the command in the node did not finish before its deadline");
            }
            in.clear();
            int n = ch.read(in);
            if (n < 0) {
                return new Output(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            }
            pending.write(in.array(), 0, n);
        }
    }
}
