/**
 * Proxmox VMs through Cluster API with the K3s control-plane provider (seed 003). Not built yet:
 * this module has no factory, so {@code ephemera backends} does not list it.
 */
package dev.ephemera.adapters.proxmox;
