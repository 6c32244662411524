package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.DeliveryInboxFactory;
import dev.ephemera.testkit.contract.DeliveryInboxContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The SQLite delivery inbox")
class SqliteDeliveryInboxContractTest extends DeliveryInboxContract {
    @TempDir
    Path dir;
    private final List<SqliteDeliveryInbox> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(SqliteDeliveryInbox::close);
    }

    @Override
    protected DeliveryInbox newInbox() {
        return open();
    }

    @Override
    protected DeliveryInbox reopen(DeliveryInbox inbox) {
        return open();
    }

    private SqliteDeliveryInbox open() {
        SqliteDeliveryInbox i = SqliteDeliveryInbox.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)));
        opened.add(i);
        return i;
    }

    @Test
    @DisplayName("shares the cluster records' file and is discoverable as 'sqlite'")
    void sharesTheFileAndIsDiscoverable() {
        try (SqliteClusterRepository repo = SqliteClusterRepository.open(new SqliteSettings(dir.resolve("ephemera.db"), Duration.ofSeconds(10)))) {
            open();
            assertThat(repo.list()).isEmpty();
        }
        assertThat(ServiceLoader.load(DeliveryInboxFactory.class).stream().map(ServiceLoader.Provider::get).toList())
                .filteredOn(f -> f.name().equals("sqlite")).singleElement().isInstanceOf(SqliteDeliveryInboxFactory.class);
        assertThat(new SqliteDeliveryInboxFactory().settings()).isEqualTo(new SqliteClusterRepositoryFactory().settings());
    }
}
