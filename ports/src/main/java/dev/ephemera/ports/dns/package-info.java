/** Port: clusters' DNS names, published by the Reconciler once a cluster's endpoint is known (docs/dns.md). */
package dev.ephemera.ports.dns;
