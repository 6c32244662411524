package dev.ephemera.testkit.inmemory;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.SettingSpec;
import java.util.List;
import java.util.Optional;

/**
 * Test-only: the base of a backend factory that a test module registers under a name of its own
 * (in its {@code META-INF/services} test resource) to script one behaviour, e.g. a deletion that
 * fails or a health check that blocks. It has no settings; its backend is an {@link Unused}.
 */
public abstract class TestBackendFactory implements ClusterBackendFactory {
    private final String name;
    private final String description;

    protected TestBackendFactory(String name, String description) {
        this.name = name;
        this.description = description;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return "test double: " + description;
    }

    @Override
    public final List<SettingSpec> settings() {
        return List.of();
    }

    /**
     * A backend for tests that exercise one call: every operation a subclass does not override
     * fails with {@link UnsupportedOperationException} (the test did not expect it); it owns
     * nothing and has no cap of its own.
     */
    public abstract static class Unused implements ClusterBackend {
        private final String purpose;

        protected Unused(String purpose) {
            this.purpose = purpose;
        }

        @Override
        public BackendTraits traits() {
            return new BackendTraits(Optional.empty(), false);
        }

        @Override
        public BackendRef ensure(ProvisionRequest request) {
            throw new UnsupportedOperationException(purpose + " only");
        }

        @Override
        public Observation observe(ClusterId id) {
            throw new UnsupportedOperationException(purpose + " only");
        }

        @Override
        public void destroy(ClusterId id) {
            throw new UnsupportedOperationException(purpose + " only");
        }

        @Override
        public List<OwnedResource> owned() {
            return List.of();
        }
    }
}
