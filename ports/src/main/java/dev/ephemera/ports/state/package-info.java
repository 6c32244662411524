/** Port: where cluster records and their credentials are kept. */
package dev.ephemera.ports.state;
