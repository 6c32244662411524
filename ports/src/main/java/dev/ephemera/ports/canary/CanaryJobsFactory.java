package dev.ephemera.ports.canary;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes {@link CanaryJobs}; its settings come from the configuration section named after it. */
public interface CanaryJobsFactory extends AdapterFactory<CanaryJobs> {
}
