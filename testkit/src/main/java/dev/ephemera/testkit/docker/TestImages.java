package dev.ephemera.testkit.docker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/** Small images made with {@code docker import} for image-loading tests, labelled so they are removed again. */
public final class TestImages {
    public static final String LABEL = "ephemera.dev/test-image";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** This JVM's images only: the label's value. */
    private static final String RUN = Long.toString(System.nanoTime(), 36) + Integer.toString(RANDOM.nextInt(1 << 20), 36);

    private TestImages() {
    }

    /** Imports an image of one file of {@code bytes} random bytes as {@code name}; returns its ID. */
    public static String make(String name, int bytes) throws IOException {
        byte[] content = new byte[bytes];
        RANDOM.nextBytes(content);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        byte[] header = new byte[512];
        put(header, 0, "payload.bin");
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", (long) bytes));
        put(header, 136, String.format("%011o", 1_700_000_000L));
        header[156] = '0';
        put(header, 257, "ustar");
        header[263] = '0';
        header[264] = '0';
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        tar.writeBytes(header);
        tar.writeBytes(content);
        tar.writeBytes(new byte[(512 - bytes % 512) % 512]);
        tar.writeBytes(new byte[1024]);
        Docker.Result r = Docker.run(List.of("import", "--change", "LABEL " + LABEL + "=" + RUN, "-", name),
                new ByteArrayInputStream(tar.toByteArray()), 300);
        if (r.exit() != 0) {
            throw new IOException("docker import " + name + ": " + r.err());
        }
        return r.out().strip();
    }

    /** Removes every image {@link #make} made in this JVM (by label). */
    public static void removeAll() throws IOException {
        Docker.Result ids = Docker.run(List.of("images", "-q", "--filter", "label=" + LABEL + "=" + RUN), null, 60);
        for (String id : ids.out().lines().filter(l -> !l.isBlank()).distinct().toList()) {
            Docker.run(List.of("rmi", "-f", id), null, 120);
        }
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, offset, b.length);
    }
}
