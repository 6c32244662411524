package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.testkit.contract.LeaseStoreContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class SqliteLeaseStoreContractTest extends LeaseStoreContract {
    @TempDir
    Path dir;

    @Override
    protected LeaseStore newStore() {
        return SqliteLeaseStore.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)));
    }

    /** Another instance on the same file: its own connections and its own in-process write lock, like another process. */
    @Override
    protected LeaseStore newStoreSharingStateWith(LeaseStore first) {
        return newStore();
    }
}
