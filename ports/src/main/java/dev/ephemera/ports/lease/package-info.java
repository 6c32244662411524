/** Port: where IP pool state is kept, with compare-and-set. */
package dev.ephemera.ports.lease;
