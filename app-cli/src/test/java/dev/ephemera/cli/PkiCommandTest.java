package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephemera pki issue}, run in-process against the configured (default: BouncyCastle) certificate authority. */
class PkiCommandTest {
    private static final List<String> ALL_FILES = List.of("ca.crt", "client-ca.crt", "apiserver.crt", "apiserver.key",
            "admin.crt", "admin.key", "k3s/server/tls/server-ca.crt", "k3s/server/tls/server-ca.key",
            "k3s/server/tls/client-ca.crt", "k3s/server/tls/client-ca.key", "k3s/server/tls/request-header-ca.crt",
            "k3s/server/tls/request-header-ca.key", "k3s/server/tls/etcd/server-ca.crt", "k3s/server/tls/etcd/server-ca.key",
            "k3s/server/tls/etcd/peer-ca.crt", "k3s/server/tls/etcd/peer-ca.key", "k3s/server/tls/service.key");

    @TempDir
    Path state;

    private Path out() {
        return state.resolve("pki");
    }

    private CliRun issue(String... extra) {
        String[] args = Stream.concat(Stream.of("pki", "issue", "--cluster", "pr-42-shop", "--san", "api.pr-42.example.com,203.0.113.10",
                "--out", out().toString()), Stream.of(extra)).toArray(String[]::new);
        return CliRun.run(state, args);
    }

    private static List<String> filesUnder(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static X509Certificate certificate(Path file) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    @Test
    @DisplayName("writes the whole bundle: keys 0600, certificates 0644, and lists what it wrote")
    void writesTheBundle() throws Exception {
        CliRun r = issue();

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(filesUnder(out())).containsExactlyInAnyOrderElementsOf(ALL_FILES);
        for (String f : ALL_FILES) {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(out().resolve(f)));
            assertThat(mode).as(f).isEqualTo(f.endsWith(".key") ? "rw-------" : "rw-r--r--");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out().resolve("k3s/server/tls")))).isEqualTo("rwx------");
        assertThat(r.out()).startsWith("FILE").contains("MODE", "CONTENT", "K3s etcd/peer CA private key")
                .containsPattern(java.util.regex.Pattern.quote(out().resolve("admin.key").toString()) + " +0600 +admin private key\n");
        X509Certificate admin = certificate(out().resolve("admin.crt"));
        assertThat(admin.getSubjectX500Principal().getName()).isEqualTo("CN=ephemera-admin,O=system:masters");
        admin.verify(certificate(out().resolve("client-ca.crt")).getPublicKey());
        assertThat(Files.readString(out().resolve("ca.crt"))).isEqualTo(Files.readString(out().resolve("k3s/server/tls/server-ca.crt")));
    }

    @Test
    @DisplayName("openssl verifies the written certificates against the written CAs")
    void opensslVerifiesWhatWasWritten() throws Exception {
        assumeTrue(onPath("openssl"), "openssl is not on PATH; install the Debian package 'openssl' to run this test");
        assertThat(issue().exitCode()).isZero();
        Process p = new ProcessBuilder("openssl", "verify", "-CAfile", out().resolve("ca.crt").toString(),
                out().resolve("apiserver.crt").toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).endsWith(": OK\n");
    }

    @Test
    @DisplayName("--key-type rsa-2048 issues RSA keys; --output json lists the files")
    void keyTypeAndJson() throws Exception {
        CliRun r = issue("--key-type", "rsa-2048", "--output", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(((RSAPublicKey) certificate(out().resolve("ca.crt")).getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(Files.readString(out().resolve("k3s/server/tls/service.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(r.out()).contains("\"file\" : \"" + out().resolve("ca.crt") + "\"", "\"mode\" : \"0644\"");
    }

    @Test
    @DisplayName("the configured key type (here from the environment) applies unless --key-type names one")
    void configuredKeyType() throws Exception {
        var env = java.util.Map.of("EPHEMERA_BOUNCYCASTLE_KEY_TYPE", "rsa-2048");
        CliRun configured = CliRun.run(env, state, "pki", "issue", "--cluster", "c1", "--san", "localhost", "--out", out().toString());
        assertThat(configured.exitCode()).as(configured.err()).isZero();
        assertThat(certificate(out().resolve("ca.crt")).getPublicKey()).isInstanceOf(RSAPublicKey.class);

        Path other = state.resolve("pki-ec");
        CliRun chosen = CliRun.run(env, state, "pki", "issue", "--cluster", "c1", "--san", "localhost", "--out", other.toString(),
                "--key-type", "ecdsa-p256");
        assertThat(chosen.exitCode()).as(chosen.err()).isZero();
        assertThat(certificate(other.resolve("ca.crt")).getSigAlgName()).isEqualTo("SHA256withECDSA");
    }

    @Test
    @DisplayName("a non-empty directory is refused without --force, and left as it was")
    void refusesNonEmptyDirectory() throws Exception {
        Files.createDirectories(out());
        Files.writeString(out().resolve("notes.txt"), "mine");

        CliRun r = issue();

        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(r.err()).contains("is not empty", "notes.txt", "--force");
        assertThat(filesUnder(out())).containsExactly("notes.txt");
    }

    @Test
    @DisplayName("an earlier bundle is never overwritten without --force; with it, it is replaced and other files stay")
    void forceOverwrites() throws Exception {
        assertThat(issue().exitCode()).isZero();
        String firstCa = Files.readString(out().resolve("ca.crt"));

        CliRun again = issue();
        assertThat(again.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(Files.readString(out().resolve("ca.crt"))).isEqualTo(firstCa);

        Files.writeString(out().resolve("notes.txt"), "mine");
        CliRun forced = issue("--force");
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(Files.readString(out().resolve("ca.crt"))).isNotEqualTo(firstCa);
        assertThat(Files.readString(out().resolve("notes.txt"))).isEqualTo("mine");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out().resolve("admin.key")))).isEqualTo("rw-------");
        try (Stream<Path> s = Files.list(out())) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".ephemera-pki-"));
        }
    }

    @Test
    @DisplayName("an unknown key type is refused before anything is written")
    void unknownKeyType() throws Exception {
        CliRun r = issue("--key-type", "dsa-1024");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("key type 'dsa-1024' is unknown", "ecdsa-p256, rsa-2048, rsa-4096");
        assertThat(out()).doesNotExist();
    }

    @Test
    @DisplayName("a SAN that is neither a DNS name nor an IP is refused before anything is written")
    void badSan() {
        CliRun r = CliRun.run(state, "pki", "issue", "--cluster", "c1", "--san", "api.example.com,not a host!", "--out", out().toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("SAN 'not a host!' is neither a DNS name nor an IP address");
        assertThat(out()).doesNotExist();
    }

    @Test
    @DisplayName("a cluster name that is not a DNS label is refused")
    void badClusterName() {
        CliRun r = CliRun.run(state, "pki", "issue", "--cluster", "PR 42", "--san", "localhost", "--out", out().toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("cluster id 'PR 42' is invalid");
        assertThat(out()).doesNotExist();
    }

    @Test
    @DisplayName("an output path that is a file, or lies under one, is refused")
    void outputIsNotADirectory() throws Exception {
        Path file = state.resolve("a-file");
        Files.writeString(file, "x");

        CliRun onFile = CliRun.run(state, "pki", "issue", "--cluster", "c1", "--san", "localhost", "--out", file.toString());
        assertThat(onFile.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(onFile.err()).contains("exists and is not a directory");

        CliRun under = CliRun.run(state, "pki", "issue", "--cluster", "c1", "--san", "localhost", "--out", file.resolve("sub").toString());
        assertThat(under.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(under.err()).contains("cannot be created").contains("is not a directory");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    @DisplayName("an unwritable output directory is refused and nothing is written")
    void unwritableDirectory() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere, so permissions cannot make a directory unwritable");
        Files.createDirectories(out());
        Files.setPosixFilePermissions(out(), PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            CliRun r = issue();
            assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(r.err()).contains("is not writable");
            assertThat(filesUnder(out())).isEmpty();
        } finally {
            Files.setPosixFilePermissions(out(), PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    @DisplayName("a location nobody may write to, not even root (/proc), is refused with nothing written")
    void unwritableForEveryone() {
        Path proc = Path.of("/proc/self");
        assumeTrue(Files.isDirectory(proc), "needs Linux procfs, where no user may create a directory");
        CliRun r = CliRun.run(state, "pki", "issue", "--cluster", "c1", "--san", "localhost", "--out", proc.resolve("ephemera-pki").toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("/proc/self/ephemera-pki").containsAnyOf("not writable", "could not write");
        assertThat(proc.resolve("ephemera-pki")).doesNotExist();
    }

    @Test
    @DisplayName("a failure half-way through writing removes every file of the run")
    void failureLeavesNothingBehind() throws Exception {
        // admin.key, the sixth file, cannot replace a non-empty directory: the five before it must go again
        Files.createDirectories(out().resolve("admin.key"));
        Files.writeString(out().resolve("admin.key").resolve("keep"), "x");

        CliRun r = issue("--force");

        assertThat(r.exitCode()).as(r.out()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("could not write " + out().resolve("admin.key"), "nothing was left behind");
        assertThat(filesUnder(out())).containsExactly("admin.key" + File.separator + "keep");
        try (Stream<Path> s = Files.list(out())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("admin.key");
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }
}
