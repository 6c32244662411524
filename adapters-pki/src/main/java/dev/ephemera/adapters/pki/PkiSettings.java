package dev.ephemera.adapters.pki;

import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.time.Duration;
import java.util.List;

/**
 * The adapter's configuration section ({@code bouncycastle:}): defaults for what a request leaves
 * open, and how far certificates are backdated.
 *
 * @param keyType      key algorithm when the request names none
 * @param caValidity   CA validity when the request names none
 * @param leafValidity leaf validity when the request names none
 * @param backdate     how far before now {@code notBefore} lies, so a server whose clock is
 *                     behind ours still accepts the certificates at once
 */
public record PkiSettings(KeyType keyType, Duration caValidity, Duration leafValidity, Duration backdate) {
    public static final String KEY_TYPE = "key-type";
    public static final String CA_VALIDITY = "ca-validity";
    public static final String LEAF_VALIDITY = "leaf-validity";
    public static final String BACKDATE = "backdate";

    public static final List<SettingSpec> SPECS = List.of(
            SettingSpec.optional(KEY_TYPE, "Key algorithm when a request names none: ecdsa-p256, rsa-2048 or rsa-4096.",
                    PkiRequest.DEFAULT_KEY_TYPE.id()),
            SettingSpec.optional(CA_VALIDITY, "Validity of the CAs when a request names none.",
                    DurationText.format(PkiRequest.DEFAULT_CA_VALIDITY)),
            SettingSpec.optional(LEAF_VALIDITY, "Validity of the serving and client certificates when a request names none.",
                    DurationText.format(PkiRequest.DEFAULT_LEAF_VALIDITY)),
            SettingSpec.optional(BACKDATE, "How far notBefore lies before the time of issue, to absorb clock skew.", "1h"));

    public PkiSettings {
        if (keyType == null) {
            throw new IllegalArgumentException("key type is required");
        }
        requirePositive(CA_VALIDITY, caValidity);
        requirePositive(LEAF_VALIDITY, leafValidity);
        if (backdate == null || backdate.isNegative()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, BACKDATE + " must be zero or more, such as 1h");
        }
    }

    public static PkiSettings defaults() {
        return new PkiSettings(PkiRequest.DEFAULT_KEY_TYPE, PkiRequest.DEFAULT_CA_VALIDITY, PkiRequest.DEFAULT_LEAF_VALIDITY,
                Duration.ofHours(1));
    }

    /** Reads and validates the adapter's section; every error names the full key to fix. */
    public static PkiSettings from(Settings settings) {
        settings.validate(SPECS);
        PkiSettings d = defaults();
        KeyType keyType;
        try {
            keyType = settings.string(KEY_TYPE).map(KeyType::parse).orElse(d.keyType());
        } catch (EphemeraException e) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, settings.qualify(KEY_TYPE) + ": " + e.getMessage());
        }
        Duration caValidity = settings.duration(CA_VALIDITY, d.caValidity());
        Duration leafValidity = settings.duration(LEAF_VALIDITY, d.leafValidity());
        Duration backdate = settings.duration(BACKDATE, d.backdate());
        try {
            return new PkiSettings(keyType, caValidity, leafValidity, backdate);
        } catch (EphemeraException e) {
            // the record names the bare key; the user needs the section too
            throw new EphemeraException(ErrorCode.CONFIGURATION, settings.qualify(e.getMessage()));
        }
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, key + " must be a positive duration such as 365d");
        }
    }
}
