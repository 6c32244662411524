package dev.ephemera.adapters.github;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;

/**
 * libsodium's {@code crypto_box_seal}, which GitHub requires for Actions secrets, built from
 * BouncyCastle's primitives: a fresh X25519 key pair per message; the shared key is
 * HSalsa20 over the X25519 result (as {@code crypto_box_beforenm}); the nonce is BLAKE2b with a
 * 24-byte output over the ephemeral public key then the recipient's; the box is
 * XSalsa20-Poly1305 ({@code crypto_secretbox}). Output: ephemeral public key (32) || tag (16) || ciphertext.
 */
final class SealedBox {
    static final int PUBLIC_KEY_BYTES = 32;
    static final int MAC_BYTES = 16;
    static final int SEAL_BYTES = PUBLIC_KEY_BYTES + MAC_BYTES;
    private static final int[] SIGMA = Pack.littleEndianToInt("expand 32-byte k".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 4);

    private final SecureRandom random;

    SealedBox(SecureRandom random) {
        this.random = random;
    }

    /** Seals {@code message} so that only the holder of the private key of {@code recipientPublicKey} can open it. */
    byte[] seal(byte[] message, byte[] recipientPublicKey) {
        if (recipientPublicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an X25519 public key is 32 bytes, got " + recipientPublicKey.length);
        }
        byte[] ephemeralSecret = new byte[X25519.SCALAR_SIZE];
        byte[] ephemeralPublic = new byte[X25519.POINT_SIZE];
        byte[] shared = new byte[X25519.POINT_SIZE];
        byte[] key = null;
        try {
            X25519.generatePrivateKey(random, ephemeralSecret);
            X25519.generatePublicKey(ephemeralSecret, 0, ephemeralPublic, 0);
            if (!X25519.calculateAgreement(ephemeralSecret, 0, recipientPublicKey, 0, shared, 0)) {
                // libsodium refuses a low-order point too: it would make the key predictable.
                throw new IllegalArgumentException("the recipient public key is not usable (a low-order point)");
            }
            key = hsalsa20(shared, new byte[16]);
            byte[] nonce = nonce(ephemeralPublic, recipientPublicKey);

            XSalsa20Engine cipher = new XSalsa20Engine();
            cipher.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
            byte[] macKey = new byte[32];
            cipher.processBytes(new byte[32], 0, 32, macKey, 0);

            byte[] out = new byte[SEAL_BYTES + message.length];
            System.arraycopy(ephemeralPublic, 0, out, 0, PUBLIC_KEY_BYTES);
            cipher.processBytes(message, 0, message.length, out, SEAL_BYTES);

            Poly1305 mac = new Poly1305();
            mac.init(new KeyParameter(macKey));
            mac.update(out, SEAL_BYTES, message.length);
            mac.doFinal(out, PUBLIC_KEY_BYTES);
            Arrays.fill(macKey, (byte) 0);
            return out;
        } finally {
            Arrays.fill(ephemeralSecret, (byte) 0);
            Arrays.fill(shared, (byte) 0);
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    /** BLAKE2b-192 over ephemeral public key || recipient public key, as {@code crypto_box_seal_nonce}. */
    static byte[] nonce(byte[] ephemeralPublic, byte[] recipientPublic) {
        Blake2bDigest blake = new Blake2bDigest(24 * 8);
        blake.update(ephemeralPublic, 0, ephemeralPublic.length);
        blake.update(recipientPublic, 0, recipientPublic.length);
        byte[] nonce = new byte[24];
        blake.doFinal(nonce, 0);
        return nonce;
    }

    /** HSalsa20 ({@code crypto_core_hsalsa20}): the Salsa20 rounds without the final addition, words 0,5,10,15,6,7,8,9. */
    static byte[] hsalsa20(byte[] key, byte[] input16) {
        int[] state = new int[16];
        state[0] = SIGMA[0];
        state[5] = SIGMA[1];
        state[10] = SIGMA[2];
        state[15] = SIGMA[3];
        Pack.littleEndianToInt(key, 0, state, 1, 4);
        Pack.littleEndianToInt(key, 16, state, 11, 4);
        Pack.littleEndianToInt(input16, 0, state, 6, 4);
        int[] x = new int[16];
        Salsa20Engine.salsaCore(20, state, x);
        // salsaCore adds the input back in; HSalsa20 does not, so take it out again.
        int[] words = {x[0] - state[0], x[5] - state[5], x[10] - state[10], x[15] - state[15],
                x[6] - state[6], x[7] - state[7], x[8] - state[8], x[9] - state[9]};
        byte[] out = new byte[32];
        Pack.intToLittleEndian(words, out, 0);
        Arrays.fill(state, 0);
        Arrays.fill(x, 0);
        return out;
    }
}
