package dev.ephemera.adapters.embedded;

import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.DeliveryInboxFactory;
import java.util.List;

/** Makes the SQLite {@link DeliveryInbox}, in the same file as the cluster records; reads the {@code sqlite:} section. */
public final class SqliteDeliveryInboxFactory implements DeliveryInboxFactory {
    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String description() {
        return "code host deliveries kept in the local SQLite file until processed (the embedded default)";
    }

    @Override
    public List<SettingSpec> settings() {
        return SqliteSettings.SPECS;
    }

    @Override
    public DeliveryInbox create(Settings settings) {
        return SqliteDeliveryInbox.open(SqliteSettings.from(settings, System.getenv()));
    }
}
