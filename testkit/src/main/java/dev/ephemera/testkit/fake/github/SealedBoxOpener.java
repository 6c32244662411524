package dev.ephemera.testkit.fake.github;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;

/**
 * The fake's side of libsodium's sealed box: an X25519 key pair and {@code crypto_box_seal_open}.
 * Written apart from the adapter's sealing code on purpose: the tests check each against
 * libsodium itself, so a shared mistake cannot hide.
 */
public final class SealedBoxOpener {
    private static final int[] SIGMA = Pack.littleEndianToInt("expand 32-byte k".getBytes(StandardCharsets.US_ASCII), 0, 4);

    private final byte[] secretKey = new byte[32];
    private final byte[] publicKey = new byte[32];

    public SealedBoxOpener(SecureRandom random) {
        X25519.generatePrivateKey(random, secretKey);
        X25519.generatePublicKey(secretKey, 0, publicKey, 0);
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The plaintext, or empty when the box is malformed or was not sealed for this key. */
    public Optional<byte[]> open(byte[] sealed) {
        if (sealed.length < 48) {
            return Optional.empty();
        }
        byte[] ephemeral = Arrays.copyOfRange(sealed, 0, 32);
        byte[] tag = Arrays.copyOfRange(sealed, 32, 48);
        byte[] cipherText = Arrays.copyOfRange(sealed, 48, sealed.length);

        byte[] shared = new byte[32];
        if (!X25519.calculateAgreement(secretKey, 0, ephemeral, 0, shared, 0)) {
            return Optional.empty();
        }
        byte[] key = hsalsa20(shared);
        Blake2bDigest blake = new Blake2bDigest(192);
        blake.update(ephemeral, 0, 32);
        blake.update(publicKey, 0, 32);
        byte[] nonce = new byte[24];
        blake.doFinal(nonce, 0);

        XSalsa20Engine stream = new XSalsa20Engine();
        stream.init(false, new ParametersWithIV(new KeyParameter(key), nonce));
        byte[] macKey = new byte[32];
        stream.processBytes(new byte[32], 0, 32, macKey, 0);
        Poly1305 poly = new Poly1305();
        poly.init(new KeyParameter(macKey));
        poly.update(cipherText, 0, cipherText.length);
        byte[] expected = new byte[16];
        poly.doFinal(expected, 0);
        if (!java.security.MessageDigest.isEqual(expected, tag)) {
            return Optional.empty();
        }
        byte[] plain = new byte[cipherText.length];
        stream.processBytes(cipherText, 0, cipherText.length, plain, 0);
        return Optional.of(plain);
    }

    private static byte[] hsalsa20(byte[] k) {
        int[] in = new int[16];
        in[0] = SIGMA[0];
        in[5] = SIGMA[1];
        in[10] = SIGMA[2];
        in[15] = SIGMA[3];
        Pack.littleEndianToInt(k, 0, in, 1, 4);
        Pack.littleEndianToInt(k, 16, in, 11, 4);
        int[] x = new int[16];
        Salsa20Engine.salsaCore(20, in, x);
        int[] out = {x[0] - in[0], x[5] - in[5], x[10] - in[10], x[15] - in[15], x[6] - in[6], x[7] - in[7], x[8] - in[8], x[9] - in[9]};
        return Pack.intToLittleEndian(out);
    }
}
