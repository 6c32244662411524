package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.testkit.contract.ClusterRepositoryContract;

/** The in-memory double keeps the same promises as the real stores, so tests built on it mean something. */
class InMemoryClusterRepositoryContractTest extends ClusterRepositoryContract {
    @Override
    protected ClusterRepository newRepository() {
        return new InMemoryClusterRepository();
    }
}
