/** The kubeconfig model handed to CI. */
package dev.ephemera.domain.kubeconfig;
