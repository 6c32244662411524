package dev.ephemera.bootstrap;

import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.inmemory.InMemoryLeaseStore;
import java.util.List;

/** Test-only factory, registered in this module's test resources, so discovery and configuration have something to find. */
public final class MemoryLeaseStoreFactory implements LeaseStoreFactory {
    static volatile Settings lastSettings;

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "test lease store";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of(SettingSpec.optional("size-hint", "unused", "1"), SettingSpec.secret("password", "a secret", false),
                SettingSpec.optional("installation", "label value", "default"));
    }

    @Override
    public LeaseStore create(Settings settings) {
        lastSettings = settings;
        return new InMemoryLeaseStore();
    }
}
