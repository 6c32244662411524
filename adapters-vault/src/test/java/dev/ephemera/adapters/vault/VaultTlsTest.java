package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with a private CA, as {@code vault.ca-cert} promises; certificates made by openssl, an independent implementation. */
@DisplayName("The Vault client over TLS")
class VaultTlsTest {
    @TempDir
    static Path dir;
    private static Path caPem;
    private static Path otherCaPem;
    private static SSLContext serverContext;

    @BeforeAll
    static void makeCertificates() throws Exception {
        Assumptions.assumeTrue(openssl(List.of("version")), "openssl is not installed (Debian package: openssl); TLS tests need it to make certificates");
        caPem = dir.resolve("ca.pem");
        otherCaPem = dir.resolve("other-ca.pem");
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=Ephemera Test Vault CA", "-keyout", dir.resolve("ca.key").toString(), "-out", caPem.toString());
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=Someone Else's CA", "-keyout", dir.resolve("other.key").toString(), "-out", otherCaPem.toString());
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=vault.test",
                "-keyout", dir.resolve("server.key").toString(), "-out", dir.resolve("server.csr").toString());
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        run("x509", "-req", "-in", dir.resolve("server.csr").toString(), "-CA", caPem.toString(), "-CAkey", dir.resolve("ca.key").toString(),
                "-CAcreateserial", "-days", "2", "-extfile", dir.resolve("san.ext").toString(), "-out", dir.resolve("server.pem").toString());
        run("pkcs12", "-export", "-inkey", dir.resolve("server.key").toString(), "-in", dir.resolve("server.pem").toString(),
                "-certfile", caPem.toString(), "-passout", "pass:changeit", "-out", dir.resolve("server.p12").toString());

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
    }

    @Test
    @DisplayName("trusts Vault's certificate through vault.ca-cert")
    void trustsThePrivateCa() {
        try (FakeVault vault = FakeVault.builder().tls(serverContext).start()) {
            Map<String, Object> section = TestVaults.section(vault);
            section.put("ca-cert", caPem.toString());
            VaultClient c = TestVaults.client(section, Clock.systemUTC());
            ObjectNode data = VaultHttp.JSON.createObjectNode().put("x", "1");

            assertThat(c.write("k", data, OptionalLong.of(0))).isEqualTo(new VaultClient.Written(1));
            assertThat(vault.address().getScheme()).isEqualTo("https");
        }
    }

    @Test
    @DisplayName("refuses a certificate from another CA, and says to set vault.ca-cert")
    void refusesAnotherCa() {
        try (FakeVault vault = FakeVault.builder().tls(serverContext).start()) {
            Map<String, Object> section = TestVaults.section(vault);
            section.put("ca-cert", otherCaPem.toString());

            assertThatThrownBy(() -> TestVaults.client(section, Clock.systemUTC()).read("k"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("TLS").hasMessageContaining("vault.ca-cert");
            assertThat(vault.requestCount()).isZero();
        }
    }

    @Test
    @DisplayName("an https address without ca-cert trusts the JDK's trust store; an http address gets a context that trusts nothing and loads no trust store")
    void plainHttpLoadsNoTrustStore() throws Exception {
        VaultHttp https = new VaultHttp(TestVaults.vaultSettings(Map.of("address", "https://127.0.0.1:1", "token", "t0ken-for-the-test")));
        assertThat(https.tlsContext()).isSameAs(SSLContext.getDefault());
        VaultHttp http = new VaultHttp(TestVaults.vaultSettings(Map.of("address", "http://127.0.0.1:1", "token", "t0ken-for-the-test")));
        assertThat(http.tlsContext()).isNotSameAs(SSLContext.getDefault());
    }

    @Test
    @DisplayName("a ca-cert file that is not PEM is a CONFIGURATION error")
    void badCaFile() throws Exception {
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "not a certificate");
        try (FakeVault vault = FakeVault.builder().tls(serverContext).start()) {
            Map<String, Object> section = TestVaults.section(vault);
            section.put("ca-cert", junk.toString());

            assertThatThrownBy(() -> TestVaults.client(section, Clock.systemUTC()))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION));
        }
    }

    private static void run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", args[0], out).isZero();
    }

    private static boolean openssl(List<String> args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
