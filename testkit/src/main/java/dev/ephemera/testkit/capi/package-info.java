/**
 * A stand-in for the Cluster API controllers (core, CAPMOX, the K3s providers) on fabric8's
 * mock API server, and the providers' CRD schemas from {@code shared/specs/capi/} to check every object against.
 */
package dev.ephemera.testkit.capi;
