/** Issues a cluster's PKI with BouncyCastle: the CAs K3s trusts from first boot, serving and admin certificates. */
package dev.ephemera.adapters.pki;
