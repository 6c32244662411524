package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.util.regex.Pattern;

/**
 * Which K3s {@code install.sh} a new server runs, pinned: fetched from the k3s repository at a
 * fixed git ref and run only when its sha256 is the expected one.
 *
 * <p>The default ref is commit {@value #DEFAULT_REF} of k3s-io/k3s, whose
 * {@code install.sh.sha256sum} (kept by the K3s project next to the script, at that commit) gives
 * {@value #DEFAULT_SHA256}. The script is version-agnostic: the K3s release it installs is
 * {@code INSTALL_K3S_VERSION} ({@code hetzner.k3s-version}).
 *
 * @param ref    a git tag such as {@code v1.31.4+k3s1} or a full 40-hex commit id
 * @param sha256 the expected sha256 of {@code install.sh} at that ref, 64 lower-case hex digits
 */
public record K3sInstaller(String ref, String sha256) {
    private static final Pattern REF = Pattern.compile("[0-9a-f]{40}|v\\d+\\.\\d+\\.\\d+(-rc\\d+)?\\+k3s\\d+");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    public static final String DEFAULT_REF = "019b0afdd830e36f5e4b7a5b237e6a4339e6a6be";
    public static final String DEFAULT_SHA256 = "68ae766b4c4fd2c8032f712cdd346c8f9d1ae60eaeb4736a1155effda44ea23d";
    public static final K3sInstaller DEFAULT = new K3sInstaller(DEFAULT_REF, DEFAULT_SHA256);

    public K3sInstaller {
        if (ref == null || !REF.matcher(ref).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.k3s-installer-ref '" + ref + "' is not a K3s release tag "
                    + "(e.g. v1.31.4+k3s1) or a full 40-hex commit id of k3s-io/k3s; a branch would move under you");
        }
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "hetzner.k3s-installer-sha256 '" + sha256 + "' is not a sha256 "
                    + "(64 lower-case hex digits); take it from install.sh.sha256sum at the same ref, or run sha256sum on that install.sh");
        }
    }

    /** {@code https://raw.githubusercontent.com/k3s-io/k3s/<ref>/install.sh}; the {@code +} of a tag is percent-encoded. */
    public String url() {
        return "https://raw.githubusercontent.com/k3s-io/k3s/" + ref.replace("+", "%2B") + "/install.sh";
    }
}
