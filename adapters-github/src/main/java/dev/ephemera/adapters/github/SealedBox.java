package dev.ephemera.adapters.github;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.interfaces.Box;
import java.nio.charset.StandardCharsets;

/**
 * libsodium's {@code crypto_box_seal}, which GitHub requires for Actions secrets, from libsodium
 * itself: lazysodium-java calls the libsodium it bundles (loaded through JNA). Nothing of the
 * construction is written here. Output: ephemeral public key (32) || tag (16) || ciphertext.
 */
final class SealedBox {
    static final int PUBLIC_KEY_BYTES = Box.PUBLICKEYBYTES;
    static final int MAC_BYTES = Box.MACBYTES;
    static final int SEAL_BYTES = Box.SEALBYTES;

    /** Loaded once: libsodium initialises itself on the first load ({@code sodium_init}). */
    private static final class Holder {
        static final LazySodiumJava SODIUM = new LazySodiumJava(new SodiumJava(), StandardCharsets.UTF_8);
    }

    /** Seals {@code message} so that only the holder of the private key of {@code recipientPublicKey} can open it. */
    byte[] seal(byte[] message, byte[] recipientPublicKey) {
        if (recipientPublicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an X25519 public key is 32 bytes, got " + recipientPublicKey.length);
        }
        byte[] out = new byte[SEAL_BYTES + message.length];
        if (!Holder.SODIUM.cryptoBoxSeal(out, message, message.length, recipientPublicKey)) {
            // libsodium refuses a low-order point: it would make the key predictable.
            throw new IllegalArgumentException("the recipient public key is not usable (libsodium refused it)");
        }
        return out;
    }
}
