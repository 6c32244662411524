package dev.ephemera.ports.workload;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes {@link WorkloadClusters}. */
public interface WorkloadClustersFactory extends AdapterFactory<WorkloadClusters> {
}
