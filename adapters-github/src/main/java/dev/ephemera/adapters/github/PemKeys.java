package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads a GitHub App's private key: PKCS#1 ({@code RSA PRIVATE KEY}, as GitHub issues it) or PKCS#8 ({@code PRIVATE KEY}). */
final class PemKeys {
    private PemKeys() {
    }

    static RSAPrivateKey rsaPrivateKey(Secret pem, String setting) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem.reveal()))) {
            parsed = parser.readObject();
        } catch (IOException e) {
            // The message of a parse error never contains the key material; still, say only where it came from.
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " is not a readable PEM private key (" + e.getClass().getSimpleName() + ")");
        }
        if (parsed == null) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " holds no PEM block: give the App's .pem file as downloaded from GitHub "
                    + "(-----BEGIN RSA PRIVATE KEY-----), e.g. private-key: file:/run/secrets/github-app.pem");
        }
        PrivateKeyInfo info;
        if (parsed instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else if (parsed instanceof PrivateKeyInfo pki) {
            info = pki;
        } else {
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " holds a " + describe(parsed)
                    + ", not an unencrypted private key: give the App's key as PKCS#1 (BEGIN RSA PRIVATE KEY) or PKCS#8 (BEGIN PRIVATE KEY)");
        }
        PrivateKey key;
        try {
            key = new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " holds a key Java cannot use (" + e.getMessage() + ")");
        }
        if (!(key instanceof RSAPrivateKey rsa)) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " holds a " + key.getAlgorithm()
                    + " key; GitHub App keys are RSA (RS256)");
        }
        if (rsa.getModulus().bitLength() < 2048) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, setting + " holds a " + rsa.getModulus().bitLength()
                    + "-bit RSA key; RS256 needs at least 2048 bits (GitHub issues 2048-bit keys)");
        }
        return rsa;
    }

    private static String describe(Object o) {
        String n = o.getClass().getSimpleName();
        if (n.contains("Encrypted")) {
            return "password-protected key";
        }
        if (n.contains("Certificate")) {
            return "certificate";
        }
        if (n.contains("PublicKey")) {
            return "public key";
        }
        return n;
    }
}
