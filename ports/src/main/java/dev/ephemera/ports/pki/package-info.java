/** Port: issuing a cluster's certificates. */
package dev.ephemera.ports.pki;
