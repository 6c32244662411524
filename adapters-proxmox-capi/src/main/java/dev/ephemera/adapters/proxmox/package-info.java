/**
 * The {@code proxmox-capi} backend: Proxmox VMs through Cluster API with the K3s control-plane
 * provider (seed 003), driven with fabric8 against the management cluster. Also the
 * {@code external-dns} DNS adapter (DNSEndpoints on that cluster), which nothing calls yet.
 * See docs/proxmox.md.
 */
package dev.ephemera.adapters.proxmox;
