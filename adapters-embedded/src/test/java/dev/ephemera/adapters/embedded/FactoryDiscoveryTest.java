package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.secret.SecretSinkFactory;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The embedded factories")
class FactoryDiscoveryTest {

    private static <F extends AdapterFactory<?>> List<F> discovered(Class<F> type) {
        return ServiceLoader.load(type).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    @DisplayName("the SQLite lease store is discoverable as 'sqlite'")
    void leaseStoreIsDiscoverable() {
        assertThat(discovered(LeaseStoreFactory.class))
                .filteredOn(f -> f.name().equals("sqlite"))
                .singleElement().isInstanceOf(SqliteLeaseStoreFactory.class);
    }

    @Test
    @DisplayName("the SQLite cluster repository is discoverable as 'sqlite'")
    void clusterRepositoryIsDiscoverable() {
        assertThat(discovered(ClusterRepositoryFactory.class))
                .filteredOn(f -> f.name().equals("sqlite"))
                .singleElement().isInstanceOf(SqliteClusterRepositoryFactory.class);
    }

    @Test
    @DisplayName("the file secret sink is discoverable as 'file'")
    void fileSinkIsDiscoverable() {
        assertThat(discovered(SecretSinkFactory.class))
                .filteredOn(f -> f.name().equals("file"))
                .singleElement().isInstanceOf(FileSecretSinkFactory.class);
    }

    @Test
    @DisplayName("both SQLite factories read the same settings, since they share the 'sqlite:' section")
    void sqliteFactoriesShareSettings() {
        assertThat(new SqliteLeaseStoreFactory().settings()).isEqualTo(new SqliteClusterRepositoryFactory().settings());
        assertThat(new SqliteLeaseStoreFactory().settings()).extracting(SettingSpec::key).containsExactly("path", "busy-timeout");
        assertThat(new FileSecretSinkFactory().settings()).extracting(SettingSpec::key).containsExactly("directory");
    }

    @Test
    @DisplayName("every factory describes itself and names no required or secret setting")
    void factoriesDescribeThemselves() {
        for (AdapterFactory<?> f : List.of(new SqliteLeaseStoreFactory(), new SqliteClusterRepositoryFactory(), new FileSecretSinkFactory())) {
            assertThat(f.name()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(f.description()).isNotBlank();
            assertThat(f.settings()).allSatisfy(s -> {
                assertThat(s.required()).isFalse();
                assertThat(s.secret()).isFalse();
                assertThat(s.defaultValue()).isPresent();
            });
        }
    }
}
