package dev.ephemera.ports.diagnostics;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes {@link ClusterDiagnostics}. */
public interface ClusterDiagnosticsFactory extends AdapterFactory<ClusterDiagnostics> {
}
