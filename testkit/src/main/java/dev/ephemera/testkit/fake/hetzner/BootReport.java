package dev.ephemera.testkit.fake.hetzner;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a fake server made of the user data it was given, as a real Ubuntu server with cloud-init
 * and K3s would have.
 *
 * @param compressed          whether the user data came as base64 of gzip
 * @param files               paths written by {@code write_files}, with their permissions
 * @param k3sVersion          the pinned {@code INSTALL_K3S_VERSION}, if K3s is installed at all
 * @param apiPort             where K3s listens ({@code https-listen-port}, default 6443)
 * @param tlsSans             the {@code tls-san} entries of the K3s configuration
 * @param metadataBlocked     whether pod traffic to 169.254.169.254 is blocked before K3s is installed
 * @param ownServerCa         K3s found no {@code server-ca} pair and made its own: clients will not trust it
 * @param ownClientCa         K3s found no {@code client-ca.crt} and made its own: our admin certificate is refused
 * @param problems            what is wrong, in words; empty when the server boots as intended
 */
public record BootReport(boolean compressed, Map<String, String> files, Optional<String> k3sVersion, int apiPort,
                         List<String> tlsSans, boolean metadataBlocked, boolean ownServerCa, boolean ownClientCa,
                         List<String> problems) {
    public BootReport {
        files = Map.copyOf(files);
        tlsSans = List.copyOf(tlsSans);
        problems = List.copyOf(problems);
    }

    public boolean k3sInstalled() {
        return k3sVersion.isPresent();
    }
}
