package dev.ephemera.adapters.pki;

import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reading a bundle back with independent parsers: the JDK for certificates, BouncyCastle's PEM parser for keys. */
final class Bundles {
    private Bundles() {
    }

    static X509Certificate certificate(PkiBundle bundle, String path) {
        return certificate(bundle.file(path).orElseThrow(() -> new AssertionError("bundle lacks " + path)).content().reveal());
    }

    static X509Certificate certificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new AssertionError("not a certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(PkiBundle bundle, String path) {
        return privateKey(bundle.file(path).orElseThrow(() -> new AssertionError("bundle lacks " + path)).content().reveal());
    }

    static PrivateKey privateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            return converter.getPrivateKey((PrivateKeyInfo) o);
        } catch (IOException e) {
            throw new AssertionError("not a private key: " + e.getMessage(), e);
        }
    }

    /** Writes every file below {@code dir}, as the CLI would lay it out. */
    static void writeTo(PkiBundle bundle, Path dir) throws IOException {
        for (BundleFile f : bundle.files()) {
            Path p = dir.resolve(f.path());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.content().reveal());
        }
    }
}
