/**
 * Vault adapter: IP pool state in KV version 2 with check-and-set ({@link dev.ephemera.adapters.vault.VaultLeaseStore})
 * and a secret sink for kubeconfigs ({@link dev.ephemera.adapters.vault.VaultSecretSink}), over the JDK HTTP client.
 */
package dev.ephemera.adapters.vault;
