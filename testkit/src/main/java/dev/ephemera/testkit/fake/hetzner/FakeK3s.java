package dev.ephemera.testkit.fake.hetzner;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The K3s API server of one fake Hetzner server: TLS with a serving certificate minted from the
 * server CA found in the user data (or from a CA of its own when none was there, as K3s does),
 * client certificates checked against the client CA, anonymous requests refused with 401 (K3s
 * runs with anonymous auth off), and {@code GET /readyz} answering {@code ok}. Everything else
 * can be passed on to an upstream Kubernetes API (fabric8's mock server), so a kubeconfig pointing
 * at the server works end to end: client-certificate users and bearer-token users are forwarded,
 * anonymous requests are not.
 *
 * <p>It is a small HTTP/1.1 relay over its own sockets rather than an HTTP server library, because
 * the Kubernetes API is more than request and answer: informers watch over WebSocket, which needs
 * the {@code Upgrade} handshake passed through and the connection then piped both ways. Each
 * request on a kept-alive connection is authorised on its own (a token user may follow a
 * certificate user's health check), relayed to the upstream over a fresh connection, and its
 * answer framed back by {@code Content-Length} or chunks, so the client's connection stays usable.
 */
public final class FakeK3s implements AutoCloseable {
    private static final Set<String> HEALTH = Set.of("/readyz", "/livez", "/healthz", "/version");
    /** Hop-by-hop headers: they describe one connection, not the message, so a relay sets its own. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade");
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final SSLServerSocket server;
    private final ExecutorService executor;
    private final X509Certificate servingCa;
    private final String version;
    private final URI upstream;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private FakeK3s(SSLServerSocket server, X509Certificate servingCa, String version, URI upstream) {
        this.server = server;
        this.servingCa = servingCa;
        this.version = version;
        this.upstream = upstream;
        String name = "fake-k3s-" + server.getInetAddress().getHostAddress();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param upstream where the Kubernetes API itself is served over plain HTTP (e.g. fabric8's
     *                 mock server), or null: requests other than the health endpoints are then
     *                 answered 404
     */
    static FakeK3s start(String ip, int port, Certs.Pair serverCa, X509Certificate clientCa, List<String> sans, String version,
                         URI upstream) throws IOException {
        return start(ip, port, serverCa, List.of(clientCa), sans, version, upstream);
    }

    /** As above, trusting client certificates of any of {@code clientCas}, as kube-apiserver does with a {@code --client-ca-file} bundle. */
    static FakeK3s start(String ip, int port, Certs.Pair serverCa, List<X509Certificate> clientCas, List<String> sans, String version,
                         URI upstream) throws IOException {
        if (upstream != null && (!"http".equals(upstream.getScheme()) || upstream.getHost() == null || upstream.getPort() < 0)) {
            throw new IllegalArgumentException("the Kubernetes upstream must be http://HOST:PORT, got " + upstream);
        }
        List<String> dns = new ArrayList<>(List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local"));
        List<String> ips = new ArrayList<>(List.of("127.0.0.1", "10.43.0.1"));
        if (!ips.contains(ip)) {
            ips.add(ip);
        }
        for (String s : sans) {
            if (s.matches("[0-9.]+") || s.contains(":")) {
                if (!ips.contains(s)) {
                    ips.add(s);
                }
            } else if (!dns.contains(s)) {
                dns.add(s);
            }
        }
        Certs.Pair serving = Certs.serving(serverCa, dns, ips);
        SSLContext ctx = Certs.serverContext(serving, serverCa.certificate(), clientCas);
        SSLServerSocket socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(ip), port), 64);
        SSLParameters p = ctx.getDefaultSSLParameters();
        // Like kube-apiserver: ask for a client certificate, refuse an untrusted one in the handshake.
        p.setWantClientAuth(true);
        socket.setSSLParameters(p);
        FakeK3s k3s = new FakeK3s(socket, serverCa.certificate(), version, upstream);
        k3s.executor.execute(k3s::accept);
        return k3s;
    }

    /**
     * Starts a fake K3s for another fake (the Cluster API stand-in): serving with a certificate minted
     * from the server CA pair given as PEM, trusting client certificates of {@code clientCaPem}.
     */
    public static FakeK3s start(String ip, int port, String serverCaPem, String serverCaKeyPem, String clientCaPem, List<String> sans,
                                String version, URI upstream) throws IOException {
        return start(ip, port, new Certs.Pair(Certs.certificate(serverCaPem), Certs.privateKey(serverCaKeyPem)),
                Certs.certificate(clientCaPem), sans, version, upstream);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** The CA that signed the serving certificate (ours from the user data, or K3s's own). */
    public X509Certificate servingCa() {
        return servingCa;
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(s);
            try {
                executor.execute(() -> serve((SSLSocket) s));
            } catch (RejectedExecutionException e) {
                closeQuietly(s);
                return;
            }
        }
    }

    /** One client connection: requests in turn until the client or an answer ends it. */
    private void serve(SSLSocket socket) {
        try (socket) {
            socket.startHandshake();
            String user = user(socket);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            for (Head request = Head.read(in); request != null; request = Head.read(in)) {
                if (!answer(request, user, in, out)) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // A handshake refused (an untrusted client certificate) or a connection dropped: nothing to answer.
        } finally {
            open.remove(socket);
        }
    }

    /** Answers one request, locally or through the upstream; true when the connection may carry another. */
    private boolean answer(Head request, String user, InputStream in, OutputStream out) throws IOException {
        String[] line = request.startLine().split(" ", 3);
        if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
            skipBody(request, in);
            sendLocal(out, 400, "text/plain; charset=utf-8", "malformed request line", false);
            return false;
        }
        String method = line[0];
        String target = line[1];
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        boolean keepAlive = keepAlive(request, line[2]);
        boolean health = HEALTH.contains(path);
        String auth = request.header("Authorization");
        boolean bearer = auth != null && auth.length() > 7 && auth.regionMatches(true, 0, "Bearer ", 0, 7);
        if (user == null && upstream != null && !health && bearer) {
            // A token user (a CI kubeconfig): the upstream stands in for the API server and its authenticators.
            return forward(request, method, keepAlive, in, out);
        }
        if (user == null) {
            skipBody(request, in);
            return sendLocal(out, 401, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                    + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}", keepAlive);
        }
        if (health) {
            skipBody(request, in);
            return path.equals("/version")
                    ? sendLocal(out, 200, "application/json", "{\"major\":\"1\",\"gitVersion\":\"" + version + "\",\"platform\":\"linux/amd64\"}", keepAlive)
                    : sendLocal(out, 200, "text/plain; charset=utf-8", "ok", keepAlive);
        }
        if (upstream != null) {
            return forward(request, method, keepAlive, in, out);
        }
        skipBody(request, in);
        return sendLocal(out, 404, "application/json", "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"the fake K3s only answers /readyz, /livez, /healthz and /version\","
                + "\"reason\":\"NotFound\",\"code\":404}", keepAlive);
    }

    /**
     * Relays one request to the upstream over a connection of its own. An answer of 101 (a
     * WebSocket watch) turns both connections into one pipe until either side closes it.
     */
    private boolean forward(Head request, String method, boolean keepAlive, InputStream in, OutputStream out) throws IOException {
        boolean upgrade = request.hasToken("Connection", "upgrade") && request.header("Upgrade") != null;
        Socket up = new Socket();
        open.add(up);
        try (up) {
            try {
                up.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                skipBody(request, in);
                return sendLocal(out, 502, "text/plain; charset=utf-8", "upstream Kubernetes API unreachable: " + e.getMessage(), keepAlive);
            }
            InputStream upIn = new BufferedInputStream(up.getInputStream());
            OutputStream upOut = new BufferedOutputStream(up.getOutputStream());
            StringBuilder head = new StringBuilder(request.startLine()).append("\r\n");
            boolean expectContinue = false;
            for (String[] h : request.headers()) {
                String name = h[0].toLowerCase(Locale.ROOT);
                if (name.equals("host") || (HOP_BY_HOP.contains(name) && !(upgrade && name.equals("upgrade")))) {
                    continue;
                }
                if (name.equals("expect") && h[1].trim().equalsIgnoreCase("100-continue")) {
                    expectContinue = true; // answered here, so the body is on its way before the upstream is asked
                    continue;
                }
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            head.append("Host: ").append(upstream.getHost()).append(':').append(upstream.getPort()).append("\r\n");
            head.append("Connection: ").append(upgrade ? "Upgrade" : "close").append("\r\n\r\n");
            upOut.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (expectContinue) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            copyBody(request, in, upOut);
            upOut.flush();

            Head answer = Head.read(upIn);
            while (answer != null && answer.status() >= 100 && answer.status() < 200 && answer.status() != 101) {
                out.write(answer.raw());
                out.flush();
                answer = Head.read(upIn);
            }
            if (answer == null) {
                return sendLocal(out, 502, "text/plain; charset=utf-8", "the upstream Kubernetes API closed the connection without an answer", false);
            }
            if (answer.status() == 101) {
                out.write(answer.raw());
                out.flush();
                pipe(in, upOut, up, out, upIn);
                return false;
            }
            boolean noBody = method.equals("HEAD") || answer.status() == 204 || answer.status() == 304;
            boolean chunked = answer.hasToken("Transfer-Encoding", "chunked");
            long length = answer.contentLength();
            boolean untilClose = !noBody && !chunked && length < 0;
            boolean again = keepAlive && !untilClose;
            StringBuilder reply = new StringBuilder(answer.startLine()).append("\r\n");
            for (String[] h : answer.headers()) {
                if (!HOP_BY_HOP.contains(h[0].toLowerCase(Locale.ROOT))) {
                    reply.append(h[0]).append(": ").append(h[1]).append("\r\n");
                }
            }
            if (!again) {
                reply.append("Connection: close\r\n");
            }
            out.write(reply.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (noBody) {
                return again;
            }
            if (chunked) {
                copyChunked(upIn, out);
            } else if (length >= 0) {
                copyExactly(upIn, out, length);
            } else {
                copyUntilEnd(upIn, out);
            }
            out.flush();
            return again;
        } finally {
            open.remove(up);
        }
    }

    /** Both directions at once until either side closes: the WebSocket frames of a watch pass untouched. */
    private void pipe(InputStream clientIn, OutputStream upOut, Socket up, OutputStream clientOut, InputStream upIn) {
        try {
            executor.execute(() -> {
                try {
                    copyUntilEnd(clientIn, upOut);
                } catch (IOException e) {
                    // the client went away
                } finally {
                    closeQuietly(up);
                }
            });
        } catch (RejectedExecutionException e) {
            return; // closing
        }
        try {
            copyUntilEnd(upIn, clientOut);
        } catch (IOException e) {
            // the upstream went away; the caller closes the client connection
        }
    }

    private static boolean keepAlive(Head request, String httpVersion) {
        if (request.hasToken("Connection", "close")) {
            return false;
        }
        return !httpVersion.equals("HTTP/1.0") || request.hasToken("Connection", "keep-alive");
    }

    private static void skipBody(Head request, InputStream in) throws IOException {
        copyBody(request, in, OutputStream.nullOutputStream());
    }

    /** A request's body, framed as its headers say (chunks are passed on as chunks). */
    private static void copyBody(Head request, InputStream in, OutputStream out) throws IOException {
        if (request.hasToken("Transfer-Encoding", "chunked")) {
            copyChunked(in, out);
        } else if (request.contentLength() > 0) {
            copyExactly(in, out, request.contentLength());
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String hex = sizeLine.contains(";") ? sizeLine.substring(0, sizeLine.indexOf(';')) : sizeLine;
            long size;
            try {
                size = Long.parseLong(hex.trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: " + sizeLine);
            }
            if (size == 0) {
                for (String trailer = readLine(in); ; trailer = readLine(in)) {
                    out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    if (trailer.isEmpty()) {
                        out.flush();
                        return;
                    }
                }
            }
            copyExactly(in, out, size);
            String end = readLine(in);
            if (!end.isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush(); // a watch over chunks sends an event per chunk: pass each on as it comes
        }
    }

    private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException(n + " bytes of a body missing");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    private static void copyUntilEnd(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[8192];
        for (int r; (r = in.read(buf)) >= 0; ) {
            out.write(buf, 0, r);
            out.flush();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); ; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed inside a chunked body");
            }
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (b.size() > MAX_HEAD_BYTES) {
                throw new IOException("line too long");
            }
            b.write(c);
        }
    }

    private static boolean sendLocal(OutputStream out, int status, String type, String body, boolean keepAlive) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 502 -> "Bad Gateway";
            default -> "Status";
        };
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
        return keepAlive;
    }

    private static String user(SSLSocket socket) {
        try {
            X509Certificate cert = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return cert.getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        open.forEach(FakeK3s::closeQuietly);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The head of an HTTP/1.1 message: start line and headers in order, and the bytes they came as. */
    private record Head(String startLine, List<String[]> headers, byte[] raw) {
        /** The next head, or null when the connection closed cleanly before one began. */
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int last4 = 0; // the last four bytes read, to spot the CR LF CR LF that ends a head
            int c;
            try {
                while ((c = in.read()) >= 0) {
                    if (b.size() == 0 && (c == '\r' || c == '\n')) {
                        continue; // stray line breaks between messages are allowed (RFC 9112 §2.2)
                    }
                    b.write(c);
                    last4 = (last4 << 8) | c;
                    if (last4 == 0x0D0A0D0A) {
                        return parse(b.toByteArray());
                    }
                    if (b.size() > MAX_HEAD_BYTES) {
                        throw new IOException("message head longer than " + MAX_HEAD_BYTES + " bytes");
                    }
                }
            } catch (IOException e) {
                if (b.size() == 0) {
                    return null;
                }
                throw e;
            }
            if (b.size() == 0) {
                return null;
            }
            throw new EOFException("connection closed inside a message head");
        }

        private static Head parse(byte[] raw) throws IOException {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                if (lines[i].isEmpty()) {
                    continue;
                }
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed header line: " + lines[i]);
                }
                headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
            }
            return new Head(lines[0], List.copyOf(headers), raw);
        }

        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        /** Whether any header of that name lists {@code token} (comma-separated, case-insensitive). */
        boolean hasToken(String name, String token) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    for (String part : h[1].split(",")) {
                        if (part.trim().equalsIgnoreCase(token)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        long contentLength() throws IOException {
            String v = header("Content-Length");
            if (v == null) {
                return -1;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + v);
            }
        }

        int status() {
            String[] parts = startLine.split(" ", 3);
            try {
                return parts.length >= 2 ? Integer.parseInt(parts[1]) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
