package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.secret.Secret;

/**
 * Cloud-init user data as sent to Hetzner. It carries the cluster's CA keys, so it is a
 * {@link Secret}: never logged, never printed.
 *
 * @param value      what goes into {@code user_data}: the {@code #cloud-config} text, or base64 of its gzip
 * @param compressed whether {@code value} is base64 (one line, no breaks) of the gzipped document
 * @param plainBytes size of the uncompressed document
 */
public record UserData(Secret value, boolean compressed, int plainBytes) {
    /** Bytes Hetzner counts against its 32 KiB limit. */
    public int sentBytes() {
        return value.length();
    }

    @Override
    public String toString() {
        return "UserData[" + sentBytes() + " bytes" + (compressed ? ", gzip+base64" : "") + ", redacted]";
    }
}
