package dev.ephemera.domain.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PkiRequestTest {

    @Test
    @DisplayName("SANs given as one list are sorted into DNS names and IP addresses")
    void sortsSans() {
        PkiRequest r = PkiRequest.ofSans("pr-42", List.of("api.example.com", "203.0.113.10", "2001:db8::1", "*.apps.example.com"),
                KeyType.RSA_2048);
        assertThat(r.dnsNames()).containsExactly("api.example.com", "*.apps.example.com");
        assertThat(r.ipAddresses()).containsExactly("203.0.113.10", "2001:db8::1");
        assertThat(r.keyType()).isEqualTo(KeyType.RSA_2048);
        assertThat(r.requestedKeyType()).contains(KeyType.RSA_2048);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a name", "API.example.com", "-bad.example.com", "a..b", "1.2.3.256.", "::1::", "1:2:3:4:5:6:7:8:9",
        "1.2.3.4::", "[::1]", " 10.0.0.1", "fe80::1%eth0", "under_score.example.com"})
    @DisplayName("a SAN that is neither a DNS name nor an IP is refused with its value in the message")
    void refusesBadSan(String san) {
        assertThatThrownBy(() -> PkiRequest.ofSans("c", List.of(san), null))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("'" + san + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "2001:db8::", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "FE80::ABCD"})
    @DisplayName("IPv6 in its usual forms is an IP address")
    void acceptsIpv6(String ip) {
        assertThat(PkiRequest.isIpAddress(ip)).isTrue();
    }

    @Test
    @DisplayName("left unset, key type and validities are the authority's to choose, with the built-in defaults as fallback")
    void defaultsAreOptional() {
        PkiRequest r = PkiRequest.ofSans("c", List.of("localhost"));
        assertThat(r.requestedKeyType()).isEmpty();
        assertThat(r.requestedCaValidity()).isEmpty();
        assertThat(r.requestedLeafValidity()).isEmpty();
        assertThat(r.keyType()).isEqualTo(KeyType.ECDSA_P256);
        assertThat(r.caValidity()).isEqualTo(Duration.ofDays(3650));
        assertThat(r.leafValidity()).isEqualTo(Duration.ofDays(365));

        PkiRequest legacy = new PkiRequest("c", List.of(), List.of(), null, null, Duration.ofDays(30));
        assertThat(legacy.requestedKeyType()).isEmpty();
        assertThat(legacy.requestedLeafValidity()).contains(Duration.ofDays(30));
        assertThat(r.withValidity(Duration.ofDays(2), Duration.ofDays(1)).requestedCaValidity()).contains(Duration.ofDays(2));
    }

    @Test
    @DisplayName("a validity of zero or less is refused")
    void refusesNonPositiveValidity() {
        assertThatThrownBy(() -> new PkiRequest("c", List.of(), List.of(), Optional.empty(), Optional.of(Duration.ZERO), Optional.empty()))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("positive");
    }

    @Test
    @DisplayName("an unknown key type is refused with the known ones listed")
    void unknownKeyType() {
        assertThatThrownBy(() -> KeyType.parse("dsa-1024"))
                .isInstanceOf(EphemeraException.class)
                .hasMessageContaining("dsa-1024").hasMessageContaining("ecdsa-p256, rsa-2048, rsa-4096");
    }
}
