/**
 * The {@code proxmox-capi} backend: Proxmox VMs through Cluster API with the K3s control-plane
 * provider (seed 003), driven with fabric8 against the management cluster. See docs/proxmox.md;
 * clusters' DNS names are the {@code external-dns} adapter's, in adapters-kubernetes (docs/dns.md).
 */
package dev.ephemera.adapters.proxmox;
