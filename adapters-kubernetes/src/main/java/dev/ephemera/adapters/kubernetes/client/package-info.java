/** The fabric8 client configuration shared by this module's adapters: kubeconfig and context, service account, or discovery. */
package dev.ephemera.adapters.kubernetes.client;
