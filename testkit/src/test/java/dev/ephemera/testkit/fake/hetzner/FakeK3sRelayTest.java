package dev.ephemera.testkit.fake.hetzner;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fake K3s as a relay to its upstream Kubernetes API: per-request authorisation on a
 * kept-alive connection, bodies and chunked answers passed on, and a WebSocket upgrade piped both
 * ways (how informers watch).
 */
@DisplayName("The fake K3s in front of an upstream API")
class FakeK3sRelayTest {
    private Certs.Pair serverCa;
    private Certs.Pair clientCa;
    private HttpServer upstream;
    private FakeK3s k3s;
    private URI api;

    @BeforeEach
    void start() throws Exception {
        serverCa = Certs.selfSignedCa("server-ca");
        clientCa = Certs.selfSignedCa("client-ca");
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        upstream.createContext("/echo", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            String reply = x.getRequestMethod() + " " + x.getRequestURI() + " auth=" + x.getRequestHeaders().getFirst("Authorization")
                    + " body=" + new String(body, StandardCharsets.UTF_8);
            byte[] b = reply.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        upstream.createContext("/chunked", x -> {
            x.sendResponseHeaders(200, 0); // length 0: the JDK server answers in chunks
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 3; i++) {
                    out.write(("event-" + i + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        upstream.start();
        k3s = FakeK3s.start("127.0.0.1", 0, serverCa, clientCa.certificate(), List.of(), "v1.31.4+k3s1",
                URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()));
        api = URI.create("https://127.0.0.1:" + k3s.address().getPort());
    }

    @AfterEach
    void stop() {
        k3s.close();
        upstream.stop(0);
    }

    @Test
    @DisplayName("answers /readyz to the admin certificate and relays later requests on the same connection, bodies and chunks included")
    void relaysRequestsOnAKeptAliveConnection() throws Exception {
        HttpClient admin = client(true);

        HttpResponse<String> ready = admin.send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> post = admin.send(HttpRequest.newBuilder(api.resolve("/echo/x?a=1")).POST(HttpRequest.BodyPublishers.ofString("hello"))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> chunks = admin.send(HttpRequest.newBuilder(api.resolve("/chunked")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> again = admin.send(HttpRequest.newBuilder(api.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ok");
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).isEqualTo("POST /echo/x?a=1 auth=null body=hello");
        assertThat(chunks.body()).isEqualTo("event-0\nevent-1\nevent-2\n");
        assertThat(again.body()).isEqualTo("ok");
    }

    @Test
    @DisplayName("relays a bearer-token user, and refuses anonymous requests with 401, health endpoints included")
    void tokenUsersPassAnonymousOnesDoNot() throws Exception {
        HttpClient anonymous = client(false);

        HttpResponse<String> token = anonymous.send(HttpRequest.newBuilder(api.resolve("/echo/t")).header("Authorization", "Bearer abc").build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> none = anonymous.send(HttpRequest.newBuilder(api.resolve("/echo/t")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> readyz = anonymous.send(HttpRequest.newBuilder(api.resolve("/readyz")).header("Authorization", "Bearer abc").build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(token.body()).isEqualTo("GET /echo/t auth=Bearer abc body=");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(readyz.statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("passes a WebSocket upgrade through and pipes frames both ways")
    void pipesAWebSocket() throws Exception {
        try (WebSocketUpstream ws = new WebSocketUpstream()) {
            k3s.close();
            k3s = FakeK3s.start("127.0.0.1", 0, serverCa, clientCa.certificate(), List.of(), "v1.31.4+k3s1", ws.uri());
            URI wss = URI.create("wss://127.0.0.1:" + k3s.address().getPort() + "/api/v1/secrets?watch=true");
            CompletableFuture<String> received = new CompletableFuture<>();

            WebSocket socket = client(true).newWebSocketBuilder().buildAsync(wss, new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    received.complete(data.toString());
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            socket.sendText("from-client", true).get(30, TimeUnit.SECONDS);

            assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo("from-upstream");
            assertThat(ws.fromClient.get(30, TimeUnit.SECONDS)).isEqualTo("from-client");
            assertThat(ws.upgradeRequest.get(30, TimeUnit.SECONDS)).containsIgnoringCase("upgrade: websocket").contains("GET /api/v1/secrets?watch=true");
            socket.abort();
        }
    }

    /** An HTTPS client that trusts the server CA, with the admin client certificate or none. */
    private HttpClient client(boolean withAdminCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", serverCa.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withAdminCertificate) {
            KeyPair kp = Certs.ecKeyPair();
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(clientCa.certificate(),
                    BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minus(Duration.ofHours(1))),
                    Date.from(Instant.now().plus(Duration.ofHours(1))), new X500Name("O=system:masters,CN=system:admin"), kp.getPublic())
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(clientCa.key())));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", kp.getPrivate(), "pw".toCharArray(), new X509Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "pw".toCharArray());
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Just enough of a WebSocket server (RFC 6455) to accept one upgrade, send one text frame and read one back. */
    private static final class WebSocketUpstream implements AutoCloseable {
        final CompletableFuture<String> upgradeRequest = new CompletableFuture<>();
        final CompletableFuture<String> fromClient = new CompletableFuture<>();
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        private final Thread thread = new Thread(this::serve, "ws-upstream");

        WebSocketUpstream() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        private void serve() {
            try (Socket s = server.accept()) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                String request = head.toString(StandardCharsets.ISO_8859_1);
                upgradeRequest.complete(request);
                String key = null;
                for (String line : request.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
                        key = line.substring(line.indexOf(':') + 1).trim();
                    }
                }
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] text = "from-upstream".getBytes(StandardCharsets.UTF_8);
                out.write(0x81);
                out.write(text.length);
                out.write(text);
                out.flush();
                int b0 = in.read();
                int b1 = in.read();
                if ((b0 & 0x0F) != 1 || (b1 & 0x80) == 0 || (b1 & 0x7F) > 125) {
                    fromClient.completeExceptionally(new IOException("not a short masked text frame: " + b0 + " " + b1));
                    return;
                }
                byte[] mask = in.readNBytes(4);
                byte[] payload = in.readNBytes(b1 & 0x7F);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                fromClient.complete(new String(payload, StandardCharsets.UTF_8));
                in.read(); // hold the connection until the client goes
            } catch (Exception e) {
                upgradeRequest.completeExceptionally(e);
                fromClient.completeExceptionally(e);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
