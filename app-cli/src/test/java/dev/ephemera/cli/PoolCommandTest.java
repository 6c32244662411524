package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool verbs of seed 003 over the embedded SQLite store, run in-process. */
class PoolCommandTest {
    @TempDir
    Path state;

    @Test
    void threeHoldersGetThreeAddressesTheSameHolderItsOwnAndAFourthIsRefused() {
        assertThat(CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3").exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "allocate", "a", "--pool", "lab").out()).isEqualTo("10.0.0.1\n");
        assertThat(CliRun.run(state, "pool", "allocate", "b", "--pool", "lab").out()).isEqualTo("10.0.0.2\n");
        assertThat(CliRun.run(state, "pool", "allocate", "c", "--pool", "lab").out()).isEqualTo("10.0.0.3\n");
        assertThat(CliRun.run(state, "pool", "allocate", "b", "--pool", "lab").out()).isEqualTo("10.0.0.2\n");
        CliRun fourth = CliRun.run(state, "pool", "allocate", "d", "--pool", "lab");
        assertThat(fourth.exitCode()).isEqualTo(ExitCodes.POOL_EXHAUSTED);
        assertThat(fourth.out()).isEmpty();
        assertThat(fourth.err()).contains("exhausted").contains("ephemera pool release");
        assertThat(CliRun.run(state, "pool", "release", "b", "--pool", "lab").out()).contains("released 10.0.0.2");
        assertThat(CliRun.run(state, "pool", "release", "b", "--pool", "lab").exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "allocate", "d", "--pool", "lab").out()).isEqualTo("10.0.0.2\n");
        CliRun list = CliRun.run(state, "pool", "list", "--pool", "lab", "--output", "json");
        assertThat(list.out()).contains("\"holder\" : \"a\"").contains("\"address\" : \"10.0.0.2\"").contains("\"holder\" : \"d\"");
        CliRun capacity = CliRun.run(state, "pool", "capacity", "--pool", "lab", "-o", "yaml");
        assertThat(capacity.out()).contains("total: 3").contains("leased: 3").contains("free: 0");
    }

    @Test
    void badInputGetsAClearMessageAndANamedExitCode() {
        CliRun badRange = CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.9-10.0.0.1");
        assertThat(badRange.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badRange.err()).contains("empty");
        CliRun both = CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.2", "--cidr", "10.0.0.0/30");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        CliRun missing = CliRun.run(state, "pool", "allocate", "a", "--pool", "nope");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err()).contains("ephemera pool create nope");
        CliRun badHolder = CliRun.run(state, "pool", "create", "lab", "--cidr", "10.0.0.0/30");
        assertThat(badHolder.exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "allocate", "has space", "--pool", "lab").exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        CliRun conflict = CliRun.run(state, "pool", "create", "lab", "--cidr", "10.0.0.0/29");
        assertThat(conflict.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        CliRun badOutput = CliRun.run(state, "pool", "list", "--pool", "lab", "--output", "xml");
        assertThat(badOutput.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(badOutput.err()).contains("table, json or yaml");
    }

    @Test
    void aBadConfigurationIsAConfigurationError() throws Exception {
        Path cfg = state.resolve("bad.yaml");
        java.nio.file.Files.writeString(cfg, "stroe: vault\n");
        CliRun r = CliRun.run(state, "pool", "list", "--pool", "lab", "--config", cfg.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(r.err()).contains("unknown setting 'stroe'").contains("store");
    }
}
