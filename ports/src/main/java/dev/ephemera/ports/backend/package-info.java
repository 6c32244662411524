/** Port: the infrastructure a cluster runs on. */
package dev.ephemera.ports.backend;
