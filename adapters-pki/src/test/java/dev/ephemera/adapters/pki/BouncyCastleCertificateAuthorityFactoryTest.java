package dev.ephemera.adapters.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.pki.CertificateAuthority;
import dev.ephemera.ports.pki.CertificateAuthorityFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BouncyCastleCertificateAuthorityFactoryTest {

    private static CertificateAuthorityFactory discovered() {
        return ServiceLoader.load(CertificateAuthorityFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("bouncycastle"))
                .findFirst().orElseThrow(() -> new AssertionError("bouncycastle factory not registered in META-INF/services"));
    }

    @Test
    @DisplayName("the factory is discoverable through ServiceLoader under the name bouncycastle")
    void discoverable() {
        assertThat(discovered()).isInstanceOf(BouncyCastleCertificateAuthorityFactory.class);
        assertThat(discovered().description()).isNotBlank();
    }

    @Test
    @DisplayName("it lists every setting it reads, with its default")
    void listsSettings() {
        assertThat(discovered().settings()).extracting(SettingSpec::key, s -> s.defaultValue().orElseThrow())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("key-type", "ecdsa-p256"),
                        org.assertj.core.groups.Tuple.tuple("ca-validity", "3650d"),
                        org.assertj.core.groups.Tuple.tuple("leaf-validity", "365d"),
                        org.assertj.core.groups.Tuple.tuple("backdate", "1h"));
        assertThat(discovered().settings()).noneMatch(SettingSpec::required);
    }

    @Test
    @DisplayName("with no settings it issues ECDSA P-256 bundles")
    void worksWithDefaults() {
        CertificateAuthority ca = discovered().create(Settings.empty("bouncycastle"));
        assertThat(ca.health().up()).isTrue();
        assertThat(Bundles.certificate(ca.issue(PkiRequest.ofSans("c", List.of())).serverCaPem()).getSigAlgName())
                .isEqualTo("SHA256withECDSA");
    }

    @Test
    @DisplayName("the configured key type applies")
    void configuredKeyType() {
        CertificateAuthority ca = discovered().create(new Settings("bouncycastle", Map.of("key-type", "rsa-2048", "backdate", "0s")));
        assertThat(Bundles.certificate(ca.issue(PkiRequest.ofSans("c", List.of())).serverCaPem()).getPublicKey())
                .isInstanceOf(RSAPublicKey.class);
    }

    @Test
    @DisplayName("an unknown key type, a bad duration or an unknown key fails at creation, naming the setting")
    void failsFast() {
        assertThatThrownBy(() -> discovered().create(new Settings("bouncycastle", Map.of("key-type", "dsa"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("bouncycastle.key-type").hasMessageContaining("ecdsa-p256, rsa-2048, rsa-4096");
        assertThatThrownBy(() -> discovered().create(new Settings("bouncycastle", Map.of("leaf-validity", "a year"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("bouncycastle.leaf-validity");
        assertThatThrownBy(() -> discovered().create(new Settings("bouncycastle", Map.of("ca-validity", "0s"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("bouncycastle.ca-validity").hasMessageContaining("positive");
        assertThatThrownBy(() -> discovered().create(new Settings("bouncycastle", Map.of("keytype", "rsa-2048"))))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("keytype").hasMessageContaining("key-type");
    }
}
