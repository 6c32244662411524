/**
 * Local kind clusters through docker-java and the kind CLI (seed 004). Not built yet: this
 * module has no factory, so {@code ephemera backends} does not list it.
 */
package dev.ephemera.adapters.kind;
