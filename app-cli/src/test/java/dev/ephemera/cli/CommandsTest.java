package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    @TempDir
    Path state;

    @Test
    void versionPrintsTheBuildVersion() {
        CliRun r = CliRun.run(state, "version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).matches("ephemera \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\njava \\S+ \\(.*\\)\\n");
        assertThat(CliRun.run(state, "version", "-o", "json").out()).contains("\"version\"");
        assertThat(CliRun.run(state, "--version").out()).startsWith("ephemera ");
    }

    @Test
    void helpListsTheNamedExitCodes() {
        CliRun r = CliRun.run(state, "--help");
        assertThat(r.out()).contains("Exit codes:").contains("pool exhausted").contains("not found").contains("invalid input")
                .contains("conflict").contains("timeout");
    }

    @Test
    void helpListsExactlyTheExitCodesTheCliReturns() throws IllegalAccessException {
        java.util.Set<Integer> declared = new java.util.TreeSet<>();
        for (java.lang.reflect.Field f : ExitCodes.class.getFields()) {
            declared.add(f.getInt(null));
        }
        java.util.Set<Integer> listed = new java.util.TreeSet<>();
        EphemeraCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter()),
                java.util.Map.of(), java.util.Optional.empty(), false).getCommandSpec().usageMessage().exitCodeList()
                .keySet().forEach(k -> listed.add(Integer.parseInt(k.trim())));
        assertThat(listed).isEqualTo(declared);
        for (dev.ephemera.domain.error.ErrorCode c : dev.ephemera.domain.error.ErrorCode.values()) {
            assertThat(declared).contains(ExitCodes.of(c));
        }
    }

    @Test
    void backendsListsEveryDiscoveredFactoryWithItsSettings() {
        CliRun r = CliRun.run(state, "backends");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("LeaseStore").contains("ClusterRepository").contains("SecretSink").contains("sqlite").contains("file");
        assertThat(CliRun.run(state, "backends", "-o", "json").out()).contains("\"key\" : \"path\"")
                .contains("dev.ephemera.adapters.kubernetes.state.KubernetesClusterRepositoryFactory")
                .contains("dev.ephemera.adapters.kubernetes.state.KubernetesLeaseStoreFactory")
                .contains("\"key\" : \"store-namespace\"");
    }

    @Test
    void clusterListAndGetReadTheStateStore() {
        CliRun list = CliRun.run(state, "cluster", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("(none)");
        CliRun get = CliRun.run(state, "cluster", "get", "pr-42-shop");
        assertThat(get.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(get.err()).contains("ephemera cluster list");
        assertThat(CliRun.run(state, "cluster", "get", "Not_Valid").exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
    }

    @Test
    void anUnknownCommandSuggestsTheRightOne() {
        CliRun r = CliRun.run(state, "pool", "alocate");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("allocate");
    }
}
