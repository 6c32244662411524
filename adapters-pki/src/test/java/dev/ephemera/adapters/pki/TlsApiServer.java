package dev.ephemera.adapters.pki;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.ephemera.domain.pki.PkiBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.net.Socket;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A stand-in for a cluster's API server, on 127.0.0.1 and an ephemeral port: it serves with the
 * bundle's API server certificate and, like a K3s server with anonymous auth off, demands a
 * client certificate from the bundle's client CA or (token mode) a bearer token.
 */
final class TlsApiServer implements AutoCloseable {
    static final String VERSION_JSON = "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0+ephemera-test\"}";

    private final HttpsServer server;
    /** Who reached the handler: the client certificate subject, or "token". */
    final List<String> served = new CopyOnWriteArrayList<>();
    /** Client certificates the TLS handshake refused: subject and reason. */
    final List<String> refusedClients = new CopyOnWriteArrayList<>();

    private TlsApiServer(PkiBundle bundle, boolean requireClientCertificate, Optional<String> token) throws Exception {
        char[] password = "test".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("apiserver", Bundles.privateKey(bundle.apiServerKeyPem().reveal()), password,
                new Certificate[]{Bundles.certificate(bundle.apiServerCertPem()), Bundles.certificate(bundle.serverCaPem())});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("client-ca", Bundles.certificate(bundle.clientCaPem()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), new TrustManager[]{new RecordingTrustManager((X509ExtendedTrustManager) tmf.getTrustManagers()[0])},
                null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                if (requireClientCertificate) {
                    p.setNeedClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        });
        server.createContext("/version", exchange -> {
            Optional<String> who = identify((HttpsExchange) exchange, token);
            if (who.isEmpty()) {
                respond(exchange, 401, "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":401}");
                return;
            }
            served.add(who.get());
            respond(exchange, 200, VERSION_JSON);
        });
        server.start();
    }

    static TlsApiServer requiringClientCertificates(PkiBundle bundle) throws Exception {
        return new TlsApiServer(bundle, true, Optional.empty());
    }

    static TlsApiServer requiringToken(PkiBundle bundle, String token) throws Exception {
        return new TlsApiServer(bundle, false, Optional.of(token));
    }

    URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    private static Optional<String> identify(HttpsExchange exchange, Optional<String> token) {
        if (token.isPresent()) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            return ("Bearer " + token.get()).equals(auth) ? Optional.of("token") : Optional.empty();
        }
        try {
            return Optional.of(exchange.getSSLSession().getPeerPrincipal().getName());
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The JDK's PKIX trust manager, noting each client certificate it refuses. */
    private final class RecordingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;

        RecordingTrustManager(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }

        private void check(X509Certificate[] chain, CheckedCall call) throws CertificateException {
            try {
                call.run();
            } catch (CertificateException e) {
                refusedClients.add(chain[0].getSubjectX500Principal().getName() + ": " + e.getMessage());
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, () -> pkix.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            pkix.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            pkix.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    @FunctionalInterface
    private interface CheckedCall {
        void run() throws CertificateException;
    }
}
