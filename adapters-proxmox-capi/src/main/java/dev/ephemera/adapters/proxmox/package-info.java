/**
 * The {@code proxmox-capi} backend: Proxmox VMs through Cluster API with the K3s control-plane
 * provider (seed 003), driven with fabric8 against the management cluster. See docs/proxmox.md.
 */
package dev.ephemera.adapters.proxmox;
