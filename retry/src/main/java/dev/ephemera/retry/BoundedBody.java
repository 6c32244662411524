package dev.ephemera.retry;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a vendor API's answer with a size limit, so a misbehaving server or a proxy that streams
 * something else cannot make Ephemera buffer without bound. Every vendor client (Hetzner, GitHub,
 * Vault) reads at most {@link #DEFAULT_LIMIT} bytes; a longer answer is a {@code BACKEND} error,
 * which is never retried.
 */
public final class BoundedBody {
    /** 8 MiB: far above any answer the vendor APIs Ephemera calls give (a page of 50 servers is ~100 KiB). */
    public static final int DEFAULT_LIMIT = 8 * 1024 * 1024;

    private BoundedBody() {
    }

    /**
     * Reads all of {@code in}, closing it, unless it is longer than {@code limit} bytes.
     *
     * @param what names the answer for the error message, e.g. "the Hetzner API's answer to GET /v1/servers"
     * @param hint what to check, appended to the message
     * @throws EphemeraException {@code BACKEND} when the answer is longer than {@code limit}
     */
    public static byte[] read(InputStream in, int limit, String what, String hint) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw new EphemeraException(ErrorCode.BACKEND, what + " is larger than " + human(limit)
                        + ", the most Ephemera reads from a vendor API; " + hint);
            }
            return bytes;
        }
    }

    static String human(int bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        if (bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes + " bytes";
    }
}
