package dev.ephemera.adapters.kubernetes.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.testkit.kubernetes.KubernetesCrudMock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stores' compare-and-set rests on the API server refusing an update that carries a stale resourceVersion
 * (and a create of an existing name). The contract tests run on fabric8's CRUD mock, so this checks the mock
 * really does both, the way a real API server does; if it did not, the contract tests would prove nothing.
 */
class CrudMockResourceVersionTest {
    private KubernetesCrudMock mock;

    @BeforeEach
    void start() {
        mock = KubernetesCrudMock.http();
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    private static ConfigMap cm(String value) {
        return new ConfigMapBuilder().withNewMetadata().withName("probe").withNamespace("ns").endMetadata().addToData("k", value).build();
    }

    @Test
    void anUpdateWithAStaleResourceVersionIsRefusedWith409AndChangesNothing() {
        ConfigMap v1 = mock.client().configMaps().inNamespace("ns").resource(cm("one")).create();
        ConfigMap v2 = mock.client().configMaps().inNamespace("ns").resource(new ConfigMapBuilder(v1).addToData("k", "two").build()).update();
        assertThat(v2.getMetadata().getResourceVersion()).isNotEqualTo(v1.getMetadata().getResourceVersion());

        KubernetesClientException e = catchThrowableOfType(() -> mock.client().configMaps().inNamespace("ns")
                .resource(new ConfigMapBuilder(v1).addToData("k", "stale").build()).update(), KubernetesClientException.class);

        assertThat(e).isNotNull();
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(mock.client().configMaps().inNamespace("ns").withName("probe").get().getData()).containsEntry("k", "two");
    }

    @Test
    void aCreateOfAnExistingNameIsRefusedWith409() {
        mock.client().configMaps().inNamespace("ns").resource(cm("one")).create();

        KubernetesClientException e = catchThrowableOfType(() -> mock.client().configMaps().inNamespace("ns").resource(cm("again")).create(),
                KubernetesClientException.class);

        assertThat(e).isNotNull();
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(mock.client().configMaps().inNamespace("ns").withName("probe").get().getData()).containsEntry("k", "one");
    }
}
