/** Port: a canary's E2ESpec and its test Job, observed through a cache. */
package dev.ephemera.ports.canary;
