package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.domain.cluster.Cluster;
import dev.ephemera.ports.secret.SecretAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Files holding credentials")
class FilePermissionsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void requirePosix() {
        assumeTrue(StatePaths.posix(dir), "POSIX permissions are not supported by this file system");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    @DisplayName("the SQLite database, its WAL files and the directories made for it are private to the user")
    void databaseIsPrivate() throws IOException {
        Path db = dir.resolve("state").resolve("nested").resolve("ephemera.db");
        try (SqliteClusterRepository repo = SqliteClusterRepository.open(new SqliteSettings(db, Duration.ofSeconds(5)))) {
            Cluster c = repo.insert(Cluster.requested(ClusterId.of("pr-1"), Optional.empty(), "kind", ClusterSpec.defaults(), Instant.now(), Duration.ofHours(1)));
            repo.putCredential(c.id(), "ci-token", Secret.of("t0ken"));

            assertThat(mode(db)).isEqualTo("rw-------");
            for (String side : new String[] {"-wal", "-shm"}) {
                Path p = db.resolveSibling(db.getFileName() + side);
                if (Files.exists(p)) {
                    assertThat(mode(p)).as(p.toString()).isEqualTo("rw-------");
                }
            }
            assertThat(db.resolveSibling("ephemera.db-wal")).exists();
        }
        assertThat(mode(db.getParent())).isEqualTo("rwx------");
        assertThat(mode(db.getParent().getParent())).isEqualTo("rwx------");
    }

    @Test
    @DisplayName("a secret file and the directories made for it are private to the user, and no temporary file is left")
    void secretFileIsPrivate() throws IOException {
        FileSecretSink sink = new FileSecretSink(dir.resolve("secrets"));

        sink.put(SecretAddress.of("acme/shop", "kubeconfig"), Secret.of("apiVersion: v1"));
        sink.put(SecretAddress.of("acme/shop", "kubeconfig"), Secret.of("apiVersion: v1\nkind: Config"));

        Path file = dir.resolve("secrets/acme/shop/kubeconfig");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(file.getParent())).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("secrets"))).isEqualTo("rwx------");
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("kubeconfig");
        }
    }
}
