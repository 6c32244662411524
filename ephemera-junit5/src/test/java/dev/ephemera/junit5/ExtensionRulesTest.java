package dev.ephemera.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ephemera.domain.cluster.ClusterId;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** What the extension refuses, before any cluster is claimed; run through the JUnit launcher as a build tool runs them. */
@DisplayName("@EphemeralCluster refuses what it cannot do, saying why, and claims nothing")
class ExtensionRulesTest {
    @EphemeralCluster(backend = "docker", pool = "ci", ttl = "1h")
    static class FromAWarmPool {
        @Test
        void never() {
        }
    }

    @EphemeralCluster(backend = "docker")
    static class TwoClusters {
        @EphemeralCluster(backend = "hetzner")
        static KubernetesClient other;

        @Test
        void never() {
        }
    }

    static class WrongFieldType {
        @EphemeralCluster(backend = "docker")
        static String kubeconfig;

        @Test
        void never() {
        }
    }

    @EphemeralCluster(backend = "docker", ttl = "an hour")
    static class BadTtl {
        @Test
        void never() {
        }
    }

    /** The failure that ended the class (its before-all), as the launcher reports it. */
    private static Throwable classFailure(Class<?> type) {
        List<TestExecutionResult> results = new CopyOnWriteArrayList<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(type)).build(), new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.getSource().filter(s -> s instanceof org.junit.platform.engine.support.descriptor.ClassSource).isPresent()) {
                    results.add(result);
                }
            }
        });
        assertThat(results).extracting(TestExecutionResult::getStatus).containsExactly(TestExecutionResult.Status.FAILED);
        return results.get(0).getThrowable().orElseThrow();
    }

    @Test
    @DisplayName("pool = \"ci\" that the configuration lacks fails the class; a cold cluster is not claimed instead")
    void warmPool() {
        assertThat(classFailure(FromAWarmPool.class)).hasMessageContaining("warm pool 'ci' is not configured");
    }

    @Test
    @DisplayName("two different declarations in one class are refused: one cluster per class")
    void oneClusterPerClass() {
        assertThat(classFailure(TwoClusters.class)).hasMessageContaining("a test class has one cluster").hasMessageContaining("field other");
    }

    @Test
    @DisplayName("a field of a type it cannot fill is refused")
    void wrongType() {
        assertThat(classFailure(WrongFieldType.class)).hasMessageContaining("cannot fill field").hasMessageContaining("java.lang.String");
    }

    @Test
    @DisplayName("a ttl that is not a duration is refused, naming the attribute")
    void badTtl() {
        assertThat(classFailure(BadTtl.class)).hasMessageContaining("ttl = \"an hour\" is not a duration");
    }

    @Test
    @DisplayName("ids are valid cluster ids, made from the class name, and never repeat")
    void ids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = EphemeralClusterExtension.newId("AVeryLongTestClassNameThatGoesOnAndOnForeverTest");
            assertThat(ClusterId.of(id).value()).startsWith("a-very-long-test-class-name-th");
            assertThat(id.length()).isLessThanOrEqualTo(ClusterId.MAX_LENGTH);
            assertThat(seen.add(id)).as("unique: " + id).isTrue();
        }
        assertThat(EphemeralClusterExtension.newId("DeployTest")).matches("deploy-test-[a-z0-9]{8}");
        assertThat(EphemeralClusterExtension.newId("run-shared")).matches("run-shared-[a-z0-9]{8}");
    }
}
