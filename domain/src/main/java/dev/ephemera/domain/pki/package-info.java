/** A cluster's PKI: what is asked for and the bundle of files issued. */
package dev.ephemera.domain.pki;
