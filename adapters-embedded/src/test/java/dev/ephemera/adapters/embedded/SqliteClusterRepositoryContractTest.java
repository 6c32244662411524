package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.contract.ClusterRepositoryContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class SqliteClusterRepositoryContractTest extends ClusterRepositoryContract {
    @TempDir
    Path dir;

    @Override
    protected ClusterRepository newRepository() {
        return SqliteClusterRepository.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)));
    }

    @Override
    protected ClusterRepository newRepositorySharingStateWith(ClusterRepository first) {
        return SqliteClusterRepository.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)));
    }
}
