package dev.ephemera.adapters.kubernetes.diagnostics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Keeps the newest {@code cap} bytes of a stream of any length in a ring, so a huge log costs {@code cap} bytes of memory. */
final class LogTail {
    private final byte[] ring;
    private long total;

    LogTail(int cap) {
        this.ring = new byte[cap];
    }

    /** Reads {@code in} to its end. */
    LogTail readAll(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            write(buf, n);
        }
        return this;
    }

    void write(byte[] buf, int n) {
        int cap = ring.length;
        int from = 0;
        if (n > cap) {
            from = n - cap;
            total += from;
            n = cap;
        }
        for (int i = 0; i < n; i++) {
            ring[(int) ((total + i) % cap)] = buf[from + i];
        }
        total += n;
    }

    boolean truncated() {
        return total > ring.length;
    }

    /** The kept bytes as text; when older bytes were dropped, it starts at the first whole line. */
    String text() {
        int cap = ring.length;
        int size = (int) Math.min(total, cap);
        byte[] out = new byte[size];
        long start = total - size;
        for (int i = 0; i < size; i++) {
            out[i] = ring[(int) ((start + i) % cap)];
        }
        int offset = 0;
        if (truncated()) {
            for (int i = 0; i < size; i++) {
                if (out[i] == '\n') {
                    offset = i + 1;
                    break;
                }
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(out, offset, size - offset)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a REPLACE decoder does not throw", e);
        }
    }
}
