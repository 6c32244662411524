/** Port: talking to a new cluster's API server (readiness, CI account). */
package dev.ephemera.ports.workload;
