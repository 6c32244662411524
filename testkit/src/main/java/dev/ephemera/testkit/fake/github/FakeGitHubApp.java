package dev.ephemera.testkit.fake.github;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A GitHub App as GitHub knows it: its id, client id, slug, and the RSA key pair whose private
 * half the App's owner downloads. The fake verifies JWTs with the public half.
 */
public final class FakeGitHubApp {
    private final long id;
    private final String clientId;
    private final String slug;
    private final KeyPair keys;

    public FakeGitHubApp(long id, String clientId, String slug) {
        this.id = id;
        this.clientId = clientId;
        this.slug = slug;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            this.keys = g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long id() {
        return id;
    }

    public String clientId() {
        return clientId;
    }

    public String slug() {
        return slug;
    }

    /** The login the App's comments carry. */
    public String botLogin() {
        return slug + "[bot]";
    }

    public RSAPublicKey publicKey() {
        return (RSAPublicKey) keys.getPublic();
    }

    public RSAPrivateCrtKey privateKey() {
        return (RSAPrivateCrtKey) keys.getPrivate();
    }

    /** The private key as GitHub hands it out: PKCS#1, {@code -----BEGIN RSA PRIVATE KEY-----}. */
    public String privateKeyPkcs1Pem() {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            byte[] pkcs1 = info.parsePrivateKey().toASN1Primitive().getEncoded();
            return pem(new PemObject("RSA PRIVATE KEY", pkcs1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same key as PKCS#8, {@code -----BEGIN PRIVATE KEY-----} (what {@code openssl pkcs8 -topk8 -nocrypt} gives). */
    public String privateKeyPkcs8Pem() {
        return pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()));
    }

    public String publicKeyPem() {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(keys.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    private static String pem(PemObject o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
