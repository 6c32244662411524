package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.util.List;

/** Makes the SQLite {@link LeaseStore}, the embedded default; reads the {@code sqlite:} section. */
public final class SqliteLeaseStoreFactory implements LeaseStoreFactory {
    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String description() {
        return "IP pools in a local SQLite file, safe for many processes at once (the embedded default)";
    }

    @Override
    public List<SettingSpec> settings() {
        return SqliteSettings.SPECS;
    }

    @Override
    public LeaseStore create(Settings settings) {
        return SqliteLeaseStore.open(SqliteSettings.from(settings, System.getenv()));
    }
}
