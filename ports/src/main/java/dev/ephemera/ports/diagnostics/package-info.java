/** Port: collecting what happened in a cluster (resources, pod states, events, container logs) for a report. */
package dev.ephemera.ports.diagnostics;
