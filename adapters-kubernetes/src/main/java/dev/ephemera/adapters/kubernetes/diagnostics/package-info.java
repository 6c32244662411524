/** {@code ClusterDiagnostics} over fabric8: reads resources, pod states, events and logs for {@code ephemera report}. */
package dev.ephemera.adapters.kubernetes.diagnostics;
