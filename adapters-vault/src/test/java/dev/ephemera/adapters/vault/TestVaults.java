package dev.ephemera.adapters.vault;

import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.vault.FakeVault;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds clients, stores and sinks against a {@link FakeVault}, with short backoffs so retry tests stay fast. */
final class TestVaults {
    /** The shared policy with the settings' attempts and millisecond waits, so retries do not slow the tests. */
    static RetryPolicy fast(VaultSettings s) {
        return new RetryPolicy(s.maxRetries() + 1, Duration.ofMillis(1), Duration.ofMillis(20), Duration.ofMillis(20));
    }

    private TestVaults() {
    }

    /** A {@code vault:} section for the fake with its root token. */
    static Map<String, Object> section(FakeVault fake) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", fake.address().toString());
        m.put("token", fake.rootToken());
        return m;
    }

    static Settings settings(Map<String, Object> section) {
        return new Settings("vault", section);
    }

    static VaultSettings vaultSettings(Map<String, Object> section) {
        return VaultSettings.from(settings(section));
    }

    static VaultClient client(Map<String, Object> section, Clock clock) {
        VaultClient c = new VaultClient(vaultSettings(section), clock, fast(vaultSettings(section)), Sleeper.SYSTEM);
        c.start();
        return c;
    }

    static VaultClient client(FakeVault fake) {
        return client(section(fake), Clock.systemUTC());
    }

    static VaultLeaseStore store(Map<String, Object> section, Clock clock) {
        return new VaultLeaseStore(client(section, clock));
    }

    static VaultLeaseStore store(FakeVault fake) {
        return new VaultLeaseStore(client(fake));
    }
}
