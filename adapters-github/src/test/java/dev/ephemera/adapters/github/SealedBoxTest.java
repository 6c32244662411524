package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.interfaces.Box;
import dev.ephemera.testkit.fake.github.SealedBoxOpener;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Our sealed box against libsodium itself (through lazysodium), both ways. */
@DisplayName("The sealed box")
class SealedBoxTest {
    private static final int SEALBYTES = Box.PUBLICKEYBYTES + Box.MACBYTES;
    private static LazySodiumJava sodium;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void loadLibsodium() {
        // lazysodium ships libsodium for linux-x86_64 inside its jar and loads it through JNA.
        sodium = new LazySodiumJava(new SodiumJava(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 31, 32, 33, 64, 1000, 49_152})
    @DisplayName("made by the adapter opens with libsodium's crypto_box_seal_open")
    void adapterSealOpensInLibsodium(int size) {
        byte[] pk = new byte[Box.PUBLICKEYBYTES];
        byte[] sk = new byte[Box.SECRETKEYBYTES];
        assertThat(sodium.cryptoBoxKeypair(pk, sk)).isTrue();
        byte[] message = new byte[size];
        random.nextBytes(message);

        byte[] sealed = new SealedBox().seal(message, pk);

        assertThat(sealed).hasSize(size + SEALBYTES);
        byte[] opened = new byte[size];
        assertThat(sodium.cryptoBoxSealOpen(opened, sealed, sealed.length, pk, sk)).as("libsodium opens it").isTrue();
        assertThat(opened).isEqualTo(message);
    }

    @Test
    @DisplayName("made by the adapter does not open with another key")
    void wrongKeyDoesNotOpen() {
        byte[] pk = new byte[32];
        byte[] sk = new byte[32];
        byte[] otherPk = new byte[32];
        byte[] otherSk = new byte[32];
        sodium.cryptoBoxKeypair(pk, sk);
        sodium.cryptoBoxKeypair(otherPk, otherSk);
        byte[] sealed = new SealedBox().seal("kubeconfig".getBytes(StandardCharsets.UTF_8), pk);

        assertThat(sodium.cryptoBoxSealOpen(new byte[10], sealed, sealed.length, otherPk, otherSk)).isFalse();
    }

    @Test
    @DisplayName("made by libsodium opens in the fake GitHub's opener")
    void libsodiumSealOpensInTheFake() {
        SealedBoxOpener fake = new SealedBoxOpener(random);
        byte[] message = "apiVersion: v1\nkind: Config\n".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = new byte[message.length + SEALBYTES];

        assertThat(sodium.cryptoBoxSeal(sealed, message, message.length, fake.publicKey())).isTrue();

        assertThat(fake.open(sealed)).hasValueSatisfying(p -> assertThat(p).isEqualTo(message));
    }

    @Test
    @DisplayName("a tampered box does not open in the fake")
    void tamperedDoesNotOpen() {
        SealedBoxOpener fake = new SealedBoxOpener(random);
        byte[] sealed = new SealedBox().seal("secret".getBytes(StandardCharsets.UTF_8), fake.publicKey());
        sealed[sealed.length - 1] ^= 1;

        assertThat(fake.open(sealed)).isEmpty();
    }

    @Test
    @DisplayName("refuses a public key of the wrong length")
    void refusesBadKey() {
        assertThatThrownBy(() -> new SealedBox().seal(new byte[1], new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }
}
