package dev.ephemera.adapters.kind;

import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.secret.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The files placed into K3s's data directory ({@code /var/lib/rancher/k3s}) of a created container
 * before it first starts: our CA tree under {@code server/tls/} — K3s makes no CAs of its own when
 * the complete set is there (DESIGN section 10) — and the join token file. A tar archive, as the
 * engine's archive API takes it, owned by root with the modes K3s gives these files itself: keys
 * and the token {@code 0600}, certificates {@code 0644}, directories {@code 0700}.
 */
final class K3sDataArchive {
    static final String DATA_DIR = "/var/lib/rancher/k3s";
    static final String TOKEN_PATH = "ephemera/token";

    private K3sDataArchive() {
    }

    /**
     * The secure join token, {@code K10<hash of the server CA file>::server:<secret>}: a node that
     * joins with it checks it talks to the server holding our CA (k3s-io/k3s {@code pkg/clientaccess/token.go}).
     */
    static Secret token(PkiBundle pki, Secret secret) {
        return Secret.of("K10" + pki.k3sCaHash() + "::server:" + secret.reveal());
    }

    static byte[] tar(PkiBundle pki, Secret token) {
        // Copied as issued: the certificate authority is what guarantees the complete set (K3s would make its own CAs for a missing pair).
        Map<String, BundleFile> tls = new TreeMap<>(pki.k3sTlsFiles());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            Set<String> dirs = new LinkedHashSet<>(List.of("server/", "server/tls/", "ephemera/"));
            for (String path : tls.keySet()) {
                int slash = path.lastIndexOf('/');
                if (slash > 0) {
                    dirs.add("server/tls/" + path.substring(0, slash + 1));
                }
            }
            for (String d : dirs) {
                TarArchiveEntry e = new TarArchiveEntry(d);
                e.setMode(040700);
                owned(e);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, BundleFile> f : tls.entrySet()) {
                file(tar, "server/tls/" + f.getKey(), f.getValue().content().revealBytes(), f.getValue().privateKey() ? 0600 : 0644);
            }
            file(tar, TOKEN_PATH, token.reveal().getBytes(StandardCharsets.UTF_8), 0600);
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String path, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(path);
        e.setMode(0100000 | mode);
        e.setSize(content.length);
        owned(e);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void owned(TarArchiveEntry e) {
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("root");
        e.setGroupName("root");
    }
}
