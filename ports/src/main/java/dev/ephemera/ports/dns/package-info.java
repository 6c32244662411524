/** Port: clusters' DNS names. Not called by the Reconciler yet. */
package dev.ephemera.ports.dns;
