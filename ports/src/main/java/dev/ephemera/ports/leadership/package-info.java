/** Port: which of several server processes on one store is the leader that drives clusters and answers claim objects. */
package dev.ephemera.ports.leadership;
