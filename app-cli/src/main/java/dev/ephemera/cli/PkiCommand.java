package dev.ephemera.cli;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.BundleFile;
import dev.ephemera.domain.pki.KeyType;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.domain.pki.PkiRequest;
import dev.ephemera.ports.pki.CertificateAuthority;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ephemera pki …}: a cluster's certificates, issued by the configured certificate authority. */
@Command(name = "pki", description = "Issue a cluster's PKI: CAs, API server and admin certificates, and the K3s server/tls tree.",
        subcommands = {PkiCommand.Issue.class})
public final class PkiCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** What each file of a bundle is, for the listing after {@code issue}. */
    private static final Map<String, String> CONTENT = Map.ofEntries(
            Map.entry(PkiBundle.SERVER_CA, "server CA certificate (kubeconfig certificate-authority)"),
            Map.entry(PkiBundle.CLIENT_CA, "client CA certificate"),
            Map.entry(PkiBundle.APISERVER_CERT, "API server serving certificate"),
            Map.entry(PkiBundle.APISERVER_KEY, "API server private key"),
            Map.entry(PkiBundle.ADMIN_CERT, "admin client certificate (CN=ephemera-admin, O=system:masters)"),
            Map.entry(PkiBundle.ADMIN_KEY, "admin private key"),
            Map.entry(PkiBundle.K3S_TLS_PREFIX + "service.key", "K3s service-account signing key"));

    @Command(name = "issue", description = {
        "Issue a complete PKI bundle for one cluster into a directory.",
        "The files:",
        "  ca.crt, client-ca.crt, apiserver.crt|key, admin.crt|key, and k3s/server/tls/ (copy k3s/ over the K3s data directory,",
        "  by default /var/lib/rancher/k3s, before K3s first starts).",
        "Keys are written 0600, certificates 0644. Nothing is written unless every input is valid,",
        "and existing files are never overwritten without --force."})
    static final class Issue extends BaseCommand {
        @Option(names = "--cluster", required = true, paramLabel = "NAME", description = "Cluster name (DNS label, e.g. pr-42-shop); goes into the certificate subjects.")
        String cluster;

        @Option(names = "--san", required = true, split = ",", paramLabel = "DNS-OR-IP",
                description = "DNS name or IP address of the API server (repeatable or comma-separated). "
                        + "kubernetes, kubernetes.default[.svc[.cluster.local]], localhost, 127.0.0.1, ::1 and 10.43.0.1 are always added.")
        List<String> sans = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write to; created if absent, must be empty unless --force.")
        Path out;

        @Option(names = "--key-type", paramLabel = "TYPE",
                description = "Key algorithm: ecdsa-p256, rsa-2048 or rsa-4096 (default: the configured pki key-type, out of the box ecdsa-p256).")
        String keyType;

        @Option(names = "--force", description = "Overwrite files of an earlier bundle in DIR.")
        boolean force;

        @picocli.CommandLine.Mixin
        ServerOptions.Refused server;

        @Override
        protected String localReason() {
            return " (the configured certificate authority and the directory it writes to)";
        }

        @Override
        protected int run(CliContext ctx) {
            // Every input is checked before anything is issued or written.
            KeyType type = keyType == null ? null : KeyType.parse(keyType);
            ClusterId.of(cluster);
            PkiRequest request = PkiRequest.ofSans(cluster, sans, type);
            Path dir = out.toAbsolutePath().normalize();
            checkOutputDirectory(dir, force);

            ctx.progress("issuing the PKI bundle for " + cluster + " …");
            PkiBundle bundle = ctx.ephemera().get(CertificateAuthority.class).issue(request);
            List<Path> written = new BundleWriter(dir, force).write(bundle);

            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                BundleFile f = bundle.files().get(i);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("file", written.get(i).toString());
                row.put("mode", f.privateKey() ? "0600" : "0644");
                row.put("content", describe(f));
                rows.add(row);
            }
            ctx.render(rows);
            return ExitCodes.OK;
        }

        private static String describe(BundleFile f) {
            String known = CONTENT.get(f.path());
            if (known != null) {
                return known;
            }
            String base = f.path().replace(PkiBundle.K3S_TLS_PREFIX, "").replaceFirst("\\.(crt|key)$", "");
            return "K3s " + base.replace("-ca", " CA") + (f.privateKey() ? " private key" : " certificate");
        }
    }

    /**
     * The output directory must be a directory we can write to (or be creatable), and hold nothing
     * unless {@code --force}. Checked before anything is issued.
     */
    static void checkOutputDirectory(Path dir, boolean force) {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw EphemeraException.invalid("--out " + dir + " exists and is not a directory: name a directory");
            }
            if (!Files.isWritable(dir)) {
                throw EphemeraException.invalid("--out " + dir + " is not writable: choose a directory you can write to");
            }
            if (!force) {
                List<String> present = entries(dir);
                if (!present.isEmpty()) {
                    throw EphemeraException.conflict("--out " + dir + " is not empty (" + String.join(", ", present)
                            + "): choose an empty or new directory, or add --force to overwrite an earlier bundle's files");
                }
            }
            return;
        }
        Path existing = dir.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw EphemeraException.invalid("--out " + dir + " cannot be created: " + existing + " is not a directory");
        }
        if (!Files.isWritable(existing)) {
            throw EphemeraException.invalid("--out " + dir + " cannot be created: " + existing + " is not writable");
        }
    }

    private static List<String> entries(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (names.size() == 5) {
                    names.add("…");
                    break;
                }
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw EphemeraException.invalid("--out " + dir + " cannot be read: " + e.getMessage());
        }
        return names;
    }

    /**
     * Writes a bundle so that a failure leaves nothing behind: every file is first written, with
     * its final permissions, into a staging directory inside {@code dir} (same file system, so the
     * moves are atomic), then moved into place. On any failure the files moved so far, the staging
     * directory and the directories created are removed again.
     */
    static final class BundleWriter {
        private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        private static final Set<PosixFilePermission> KEY = PosixFilePermissions.fromString("rw-------");
        private static final Set<PosixFilePermission> CERT = PosixFilePermissions.fromString("rw-r--r--");
        private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

        private final Path dir;
        private final boolean force;
        private final Deque<Path> created = new ArrayDeque<>();

        BundleWriter(Path dir, boolean force) {
            this.dir = dir;
            this.force = force;
        }

        List<Path> write(PkiBundle bundle) {
            Path staging = null;
            List<Path> targets = new ArrayList<>();
            Path current = dir;
            try {
                createDirectories(dir);
                staging = Files.createTempDirectory(dir, ".ephemera-pki-", attributes(DIR));
                List<Path> staged = new ArrayList<>();
                for (int i = 0; i < bundle.files().size(); i++) {
                    BundleFile f = bundle.files().get(i);
                    current = dir.resolve(f.path());
                    Path tmp = staging.resolve(Integer.toString(i));
                    Set<PosixFilePermission> mode = f.privateKey() ? KEY : CERT;
                    // created with its final mode, so a key is never readable by others, not even briefly
                    Files.createFile(tmp, attributes(mode));
                    if (POSIX) {
                        Files.setPosixFilePermissions(tmp, mode); // the umask may have narrowed a certificate's mode
                    }
                    Files.write(tmp, f.content().revealBytes());
                    staged.add(tmp);
                }
                for (int i = 0; i < staged.size(); i++) {
                    Path target = dir.resolve(bundle.files().get(i).path()).normalize();
                    current = target;
                    if (!target.startsWith(dir)) {
                        throw new IOException("bundle path escapes the output directory");
                    }
                    createDirectories(target.getParent());
                    if (force) {
                        Files.move(staged.get(i), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw new FileAlreadyExistsException(target.toString());
                        }
                        Files.move(staged.get(i), target, StandardCopyOption.ATOMIC_MOVE);
                    }
                    targets.add(target);
                }
                Files.delete(staging);
                return targets;
            } catch (IOException e) {
                rollBack(staging, targets);
                throw new EphemeraException(ErrorCode.INVALID, "could not write " + current + ": " + describe(e)
                        + "; nothing was left behind. Check --out " + dir + " and try again", e);
            }
        }

        private void createDirectories(Path path) throws IOException {
            List<Path> missing = new ArrayList<>();
            for (Path p = path; p != null && !Files.exists(p); p = p.getParent()) {
                missing.add(0, p);
            }
            for (Path p : missing) {
                Files.createDirectory(p, attributes(DIR));
                created.push(p);
            }
        }

        private void rollBack(Path staging, List<Path> targets) {
            for (Path t : targets) {
                deleteQuietly(t);
            }
            if (staging != null) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(staging)) {
                    for (Path p : s) {
                        deleteQuietly(p);
                    }
                } catch (IOException ignored) {
                    // the directory delete below reports nothing either; the message says what failed
                }
                deleteQuietly(staging);
            }
            while (!created.isEmpty()) {
                deleteQuietly(created.pop());
            }
        }

        private static void deleteQuietly(Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a directory someone else filled meanwhile stays
            }
        }

        private static FileAttribute<?>[] attributes(Set<PosixFilePermission> mode) {
            return POSIX ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(mode)} : new FileAttribute<?>[0];
        }

        private static String describe(IOException e) {
            String type = e.getClass().getSimpleName().replace("Exception", "");
            String message = e.getMessage() == null ? "" : e.getMessage();
            return switch (type) {
                case "AccessDenied" -> "permission denied";
                case "FileAlreadyExists" -> "it exists already (use --force to overwrite)";
                case "DirectoryNotEmpty" -> "a non-empty directory is in the way";
                case "NotDirectory" -> "a file is in the way of a directory";
                default -> type + (message.isEmpty() ? "" : " " + message);
            };
        }
    }
}
