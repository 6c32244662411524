/**
 * {@code state: kubernetes} and {@code store: kubernetes}: cluster records and IP pools kept as
 * ConfigMaps in one namespace of a Kubernetes API, written by compare-and-set on
 * {@code resourceVersion}; a cluster's credentials in a Secret of its own.
 */
package dev.ephemera.adapters.kubernetes.state;
