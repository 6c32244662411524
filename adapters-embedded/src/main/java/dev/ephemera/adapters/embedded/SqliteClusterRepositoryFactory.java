package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import java.util.List;

/** Makes the SQLite {@link ClusterRepository}, the embedded default; reads the {@code sqlite:} section. */
public final class SqliteClusterRepositoryFactory implements ClusterRepositoryFactory {
    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String description() {
        return "cluster records and their credentials in a local SQLite file (0600), safe for many processes at once (the embedded default)";
    }

    @Override
    public List<SettingSpec> settings() {
        return SqliteSettings.SPECS;
    }

    @Override
    public ClusterRepository create(Settings settings) {
        return SqliteClusterRepository.open(SqliteSettings.from(settings, System.getenv()));
    }
}
