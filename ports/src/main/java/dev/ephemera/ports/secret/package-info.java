/** Port: where credentials are pushed for CI. */
package dev.ephemera.ports.secret;
