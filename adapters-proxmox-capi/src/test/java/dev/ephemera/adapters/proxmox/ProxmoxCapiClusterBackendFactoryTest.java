package dev.ephemera.adapters.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.ClusterBackendFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The proxmox-capi backend factory and its settings")
class ProxmoxCapiClusterBackendFactoryTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("is discoverable through ServiceLoader under the name proxmox-capi")
    void discoverable() {
        assertThat(ServiceLoader.load(ClusterBackendFactory.class).stream().map(ServiceLoader.Provider::get)).anySatisfy(f -> {
            assertThat(f).isInstanceOf(ProxmoxCapiClusterBackendFactory.class);
            assertThat(f.name()).isEqualTo("proxmox-capi");
            assertThat(f.description()).isNotBlank();
        });
    }

    @Test
    @DisplayName("seed 003's defaults: 1×4 CPU, 8 GiB, 20 GB, K3s v1.30.6+k3s1, a namespace per cluster, kube-vip pinned")
    void seed003Defaults() {
        ProxmoxCapiSettings s = Fixtures.settings(Fixtures.seed003());
        assertThat(s.sockets() * s.cores()).isEqualTo(4);
        assertThat(s.memoryMiB()).isEqualTo(8192);
        assertThat(s.diskGb()).isEqualTo(20);
        assertThat(s.k3sVersion()).isEqualTo("v1.30.6+k3s1");
        assertThat(s.namespacePerCluster()).isTrue();
        assertThat(s.namespaceOf("pr-42-cks-backend")).isEqualTo("ephemera-pr-42-cks-backend");
        assertThat(s.kubeVipImage()).isEqualTo("ghcr.io/kube-vip/kube-vip:v0.8.7");
        assertThat(s.apiPort()).isEqualTo(6443);
        assertThat(s.destroyTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.templateId()).contains(9000);
        // Every documented default is the one applied.
        for (SettingSpec spec : ProxmoxCapiSettings.specs()) {
            assertThat(spec.required() && spec.defaultValue().isPresent()).as(spec.key()).isFalse();
        }
    }

    @Test
    @DisplayName("creates a backend asking for a lease from its pool and using Ephemera's PKI, without touching the network")
    void creates() throws Exception {
        Path kc = dir.resolve("kubeconfig");
        Files.writeString(kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: tools\n  cluster:\n    server: https://127.0.0.1:1\n"
                + "contexts:\n- name: tools\n  context:\n    cluster: tools\n    user: u\ncurrent-context: tools\nusers:\n- name: u\n  user:\n    token: t\n");
        Map<String, Object> m = Fixtures.seed003();
        m.put("kubeconfig", kc.toString());
        m.put("context", "tools");
        try (ClusterBackend b = new ProxmoxCapiClusterBackendFactory().create(new Settings("proxmox-capi", m))) {
            assertThat(b.traits().leasePool()).contains("proxmox");
            assertThat(b.traits().usesEphemeraPki()).isTrue();
        }
    }

    @Test
    @DisplayName("fails fast, naming the key: unknown keys, missing required ones, bad values")
    void failsFast() {
        assertRefused(m -> m.put("templateid", "1"), "proxmox-capi.templateid", "template-id");
        assertRefused(m -> m.remove("gateway"), "proxmox-capi.gateway");
        assertRefused(m -> m.remove("lease-pool"), "proxmox-capi.lease-pool");
        assertRefused(m -> m.remove("template-id"), "template-id", "template-tags");
        assertRefused(m -> m.put("template-tags", List.of("k3s")), "exactly one");
        assertRefused(m -> m.put("k3s-version", "stable"), "pinned");
        assertRefused(m -> m.put("kube-vip-image", "ghcr.io/kube-vip/kube-vip:latest"), "pinned");
        assertRefused(m -> m.put("kube-vip-image", "ghcr.io/kube-vip/kube-vip"), "pinned");
        assertRefused(m -> m.put("dns-servers", List.of()), "dns-servers");
        assertRefused(m -> m.put("dns-servers", List.of("dns.example")), "dns-servers");
        assertRefused(m -> m.put("node-addresses", List.of("192.168.1.159-192.168.1.150")), "backwards");
        assertRefused(m -> m.put("prefix", "33"), "prefix");
        assertRefused(m -> m.put("disk-gb", "4"), "disk-gb");
        assertRefused(m -> m.put("namespace", "Ephemera_{id}"), "namespace");
        assertRefused(m -> m.put("namespace", "a-very-long-prefix-for-namespaces-{id}"), "namespace");
        assertRefused(m -> {
            m.put("in-cluster", "true");
            m.put("kubeconfig", "/x");
        }, "not both");
    }

    private static void assertRefused(Consumer<Map<String, Object>> change, String... fragments) {
        Map<String, Object> m = Fixtures.seed003();
        change.accept(m);
        assertThatThrownBy(() -> new ProxmoxCapiClusterBackendFactory().create(new Settings("proxmox-capi", m)))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContainingAll(fragments);
    }

    @Test
    @DisplayName("in-cluster outside a pod is a configuration error that names the way out")
    void inClusterOutsideAPod() {
        assertThatThrownBy(() -> ManagementClusterConfig.inCluster(Map.of(), dir))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("proxmox-capi.kubeconfig");
        assertThat(Optional.of(ManagementClusterConfig.SERVICE_ACCOUNT)).isPresent();
    }
}
