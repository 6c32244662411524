package dev.ephemera.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.application.warmpool.WarmPoolSettings;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.warmpool.WarmPoolSpec;
import dev.ephemera.domain.warmpool.WhenEmpty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmPoolConfigTest {
    @TempDir
    Path dir;

    private EphemeraConfig load(String yaml) throws IOException {
        Path p = dir.resolve("ephemera.yaml");
        Files.writeString(p, yaml);
        return new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(p), Map.of(), dir, dir));
    }

    @Test
    void aPoolIsReadWithEverySetting() throws IOException {
        WarmPoolSettings s = load("""
                backend: docker
                warm-pools:
                  ci:
                    spec:
                      size: cpx31
                      location: fsn1
                      kubernetes-version: v1.31.4+k3s1
                    size: 3
                    max-size: 5
                    max-concurrent: 2
                    claim-lifetime:
                      default: 2h
                      maximum: 12h
                    hibernate-after: 30m
                    resume-timeout: 90s
                    when-empty: wait
                    wait-timeout: 5m
                  small:
                    claim-lifetime: 1h
                """).warmPools();
        WarmPoolSpec ci = s.pool("ci").orElseThrow();
        assertThat(ci.backend()).isEqualTo("docker");
        assertThat(ci.spec().size()).contains("cpx31");
        assertThat(ci.spec().location()).contains("fsn1");
        assertThat(ci.spec().kubernetesVersion()).contains("v1.31.4+k3s1");
        assertThat(ci.size()).isEqualTo(3);
        assertThat(ci.maxSize()).isEqualTo(5);
        assertThat(ci.maxConcurrent()).isEqualTo(2);
        assertThat(ci.claimLifetime()).isEqualTo(Duration.ofHours(2));
        assertThat(ci.maxClaimLifetime()).isEqualTo(Duration.ofHours(12));
        assertThat(ci.hibernateAfter()).contains(Duration.ofMinutes(30));
        assertThat(ci.resumeTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ci.whenEmpty()).isEqualTo(WhenEmpty.WAIT);
        WarmPoolSpec small = s.pool("small").orElseThrow();
        assertThat(small.size()).isEqualTo(1);
        assertThat(small.claimLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(small.hibernateAfter()).isEmpty();
        assertThat(small.whenEmpty()).isEqualTo(WhenEmpty.FALLBACK);
    }

    @Test
    void noSectionMeansNoPools() throws IOException {
        assertThat(load("backend: docker\n").warmPools().pools()).isEmpty();
    }

    @Test
    void mistakesFailTheLoadWithOneLineNamingTheKey() {
        assertThatThrownBy(() -> load("warm-pools:\n  ci:\n    sise: 3\n"))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("warm-pools.ci.sise").hasMessageContaining("max-concurrent");
        assertThatThrownBy(() -> load("warm-pools:\n  ci:\n    size: 3\n    max-size: 2\n"))
                .hasMessageContaining("warm-pools.ci").hasMessageContaining("max-size must be at least size");
        assertThatThrownBy(() -> load("warm-pools:\n  ci:\n    when-empty: sometimes\n"))
                .hasMessageContaining("warm-pools.ci").hasMessageContaining("fallback or wait");
        assertThatThrownBy(() -> load("warm-pools:\n  Bad_Name:\n    size: 1\n")).hasMessageContaining("Bad_Name");
        assertThatThrownBy(() -> load("warm-pools:\n  ci:\n    claim-lifetime:\n      default: 2d\n      maximum: 1d\n"))
                .hasMessageContaining("longer than its maximum");
        assertThatThrownBy(() -> load("warm-pools: 3\n")).hasMessageContaining("must be a section");
        assertThatThrownBy(() -> load("warm-pools:\n  ci:\n    size: -1\n")).hasMessageContaining("warm-pools.ci.size must be 0 or more");
        for (String bad : new String[] {"warm-pools:\n  ci:\n    sise: 3\n", "warm-pools:\n  ci:\n    size: x\n"}) {
            assertThatThrownBy(() -> load(bad)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }
}
