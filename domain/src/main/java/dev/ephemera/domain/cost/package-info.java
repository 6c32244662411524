/** What a cluster costs: a server's price as its provider states it, and the provider's billing rule over a lifetime. */
package dev.ephemera.domain.cost;
