package dev.ephemera.testkit.fake.github;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.interfaces.Box;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;

/**
 * The fake's side of libsodium's sealed box: an X25519 key pair and {@code crypto_box_seal_open},
 * both from libsodium itself through lazysodium-java (its bundled native library). The tests
 * check the adapter's boxes against this and against PyNaCl, an independent libsodium binding.
 */
public final class SealedBoxOpener {
    private static final LazySodiumJava SODIUM = new LazySodiumJava(new SodiumJava(), StandardCharsets.UTF_8);

    private final byte[] secretKey = new byte[Box.SECRETKEYBYTES];
    private final byte[] publicKey = new byte[Box.PUBLICKEYBYTES];

    /** A key pair from a seed drawn from {@code random} ({@code crypto_box_seed_keypair}). */
    public SealedBoxOpener(SecureRandom random) {
        byte[] seed = new byte[Box.SEEDBYTES];
        random.nextBytes(seed);
        try {
            if (!SODIUM.cryptoBoxSeedKeypair(publicKey, secretKey, seed)) {
                throw new IllegalStateException("libsodium could not make a key pair");
            }
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The plaintext, or empty when the box is malformed or was not sealed for this key. */
    public Optional<byte[]> open(byte[] sealed) {
        if (sealed.length < Box.SEALBYTES) {
            return Optional.empty();
        }
        byte[] plain = new byte[sealed.length - Box.SEALBYTES];
        return SODIUM.cryptoBoxSealOpen(plain, sealed, sealed.length, publicKey, secretKey) ? Optional.of(plain) : Optional.empty();
    }
}
