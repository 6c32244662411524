package dev.ephemera.adapters.kubernetes.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.lease.LeaseStore;
import dev.ephemera.ports.lease.LeaseStoreFactory;
import dev.ephemera.ports.spi.AdapterFactory;
import dev.ephemera.ports.spi.SettingSpec;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.ports.state.ClusterRepository;
import dev.ephemera.ports.state.ClusterRepositoryFactory;
import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Kubernetes store factories")
class StoreFactoryDiscoveryTest {

    private static <F extends AdapterFactory<?>> List<F> discovered(Class<F> type) {
        return ServiceLoader.load(type).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    @DisplayName("the cluster repository is discoverable as 'kubernetes' (state: kubernetes)")
    void clusterRepositoryIsDiscoverable() {
        assertThat(discovered(ClusterRepositoryFactory.class)).filteredOn(f -> f.name().equals("kubernetes"))
                .singleElement().isInstanceOf(KubernetesClusterRepositoryFactory.class);
    }

    @Test
    @DisplayName("the lease store is discoverable as 'kubernetes' (store: kubernetes)")
    void leaseStoreIsDiscoverable() {
        assertThat(discovered(LeaseStoreFactory.class)).filteredOn(f -> f.name().equals("kubernetes"))
                .singleElement().isInstanceOf(KubernetesLeaseStoreFactory.class);
    }

    @Test
    @DisplayName("both read the same keys of the kubernetes: section, none required or secret")
    void settings() {
        assertThat(new KubernetesLeaseStoreFactory(Map.of()).settings()).isEqualTo(new KubernetesClusterRepositoryFactory(Map.of()).settings());
        assertThat(new KubernetesClusterRepositoryFactory(Map.of()).settings()).extracting(SettingSpec::key)
                .containsExactly("kubeconfig", "context", "in-cluster", "store-namespace", "installation");
        assertThat(new KubernetesClusterRepositoryFactory(Map.of()).settings()).noneMatch(SettingSpec::required).noneMatch(SettingSpec::secret);
    }

    @Test
    @DisplayName("made from settings and a client configuration, they work against an API server")
    void madeFromSettings() {
        try (KubernetesCrudMock mock = KubernetesCrudMock.http()) {
            Settings s = new Settings("kubernetes", Map.of("store-namespace", "ci", "installation", "lab"));
            try (ClusterRepository r = new KubernetesClusterRepositoryFactory(Map.of()).create(s, mock.client().getConfiguration());
                    LeaseStore l = new KubernetesLeaseStoreFactory(Map.of()).create(s, mock.client().getConfiguration())) {
                assertThat(r.list()).isEmpty();
                assertThat(l.pools()).isEmpty();
                assertThat(r.health().up()).as(r.health().detail()).isTrue();
                assertThat(r.health().detail()).contains("namespace ci");
            }
        }
    }

    @Test
    @DisplayName("bad settings fail at start with CONFIGURATION, naming the key")
    void badSettings() {
        KubernetesClusterRepositoryFactory f = new KubernetesClusterRepositoryFactory(Map.of());
        EphemeraException ns = catchThrowableOfType(() -> f.create(new Settings("kubernetes", Map.of("store-namespace", "Not_A_Namespace"))),
                EphemeraException.class);
        assertThat(ns.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(ns.getMessage()).contains("kubernetes.store-namespace");

        EphemeraException unknown = catchThrowableOfType(() -> f.create(new Settings("kubernetes", Map.of("namspace", "x"))), EphemeraException.class);
        assertThat(unknown.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(unknown.getMessage()).contains("kubernetes.namspace");

        EphemeraException missing = catchThrowableOfType(() -> f.create(new Settings("kubernetes",
                Map.of("kubeconfig", "/nonexistent/kubeconfig"))), EphemeraException.class);
        assertThat(missing.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(missing.getMessage()).contains("/nonexistent/kubeconfig");

        EphemeraException notAPod = catchThrowableOfType(() -> new KubernetesLeaseStoreFactory(Map.of()).create(new Settings("kubernetes",
                Map.of("in-cluster", "true"))), EphemeraException.class);
        assertThat(notAPod.code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(notAPod.getMessage()).contains("in-cluster");
    }
}
