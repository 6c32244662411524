package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 003 compatibility and the pool verbs every hint names (issue 12). */
class PoolPromisesTest {
    @TempDir
    Path state;

    @Test
    @DisplayName("seed 003's documented calls run unchanged against the only pool: allocate, release, list, check-capacity")
    void seedCallsUnchanged() {
        assertThat(CliRun.run(state, "pool", "create", "ephemeral", "--range", "192.168.1.140-192.168.1.149").exitCode()).isZero();
        CliRun list0 = CliRun.run(state, "pool", "list");
        assertThat(list0.exitCode()).as(list0.err()).isZero();
        assertThat(list0.out()).contains("(none)");
        CliRun cap0 = CliRun.run(state, "pool", "check-capacity");
        assertThat(cap0.exitCode()).as(cap0.err()).isZero();
        assertThat(cap0.out()).contains("10");
        CliRun alloc = CliRun.run(state, "pool", "allocate", "pr-cksbackend-42");
        assertThat(alloc.exitCode()).as(alloc.err()).isZero();
        assertThat(alloc.out()).isEqualTo("192.168.1.140\n");
        assertThat(CliRun.run(state, "pool", "allocate", "pr-test-1").out()).isEqualTo("192.168.1.141\n");
        assertThat(CliRun.run(state, "pool", "list").out()).contains("pr-cksbackend-42").contains("192.168.1.140").contains("pr-test-1");
        assertThat(CliRun.run(state, "pool", "check-capacity", "-o", "yaml").out()).contains("leased: 2").contains("free: 8");
        CliRun release = CliRun.run(state, "pool", "release", "pr-cksbackend-42");
        assertThat(release.exitCode()).isZero();
        assertThat(release.out()).contains("released 192.168.1.140");
        assertThat(CliRun.run(state, "pool", "capacity", "-o", "yaml").out()).contains("leased: 1");
    }

    @Test
    @DisplayName("with several pools, no --pool uses pools.default, else is a clear exit 2 listing the pools")
    void defaultPool() throws Exception {
        assertThat(CliRun.run(state, "pool", "allocate", "a").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3");
        CliRun.run(state, "pool", "create", "prod", "--range", "10.0.1.1-10.0.1.3");
        CliRun ambiguous = CliRun.run(state, "pool", "allocate", "a");
        assertThat(ambiguous.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(ambiguous.err()).contains("lab, prod").contains("--pool").contains("pools.default".substring(0, 5)).contains("EPHEMERA_POOLS_DEFAULT");
        Path cfg = Files.writeString(state.resolve("c.yaml"), "pools:\n  default: prod\n");
        assertThat(CliRun.run(state, "pool", "allocate", "a", "--config", cfg.toString()).out()).isEqualTo("10.0.1.1\n");
        assertThat(CliRun.run(Map.of("EPHEMERA_POOLS_DEFAULT", "lab"), state, "pool", "allocate", "a").out()).isEqualTo("10.0.0.1\n");
        assertThat(CliRun.run(state, "pool", "allocate", "a", "--pool", "lab").out()).isEqualTo("10.0.0.1\n");
    }

    @Test
    @DisplayName("--exclude takes several addresses after one flag, as the README shows")
    void excludeSeveral() {
        CliRun r = CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.5", "--exclude", "10.0.0.1", "10.0.0.2", "-o", "yaml");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("size: 3").contains("10.0.0.1").contains("10.0.0.2");
        assertThat(CliRun.run(state, "pool", "allocate", "x", "--pool", "lab").out()).isEqualTo("10.0.0.3\n");
    }

    @Test
    @DisplayName("pool delete is refused while leases are held unless --force; deleting a missing pool is not an error")
    void deletePool() {
        CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3");
        CliRun.run(state, "pool", "allocate", "a", "--pool", "lab");
        CliRun refused = CliRun.run(state, "pool", "delete", "lab");
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(refused.err()).contains("10.0.0.1 held by a").contains("ephemera pool delete lab --force");
        assertThat(CliRun.run(state, "pool", "list", "--pool", "lab").out()).contains("10.0.0.1");
        CliRun.run(state, "pool", "release", "a", "--pool", "lab");
        assertThat(CliRun.run(state, "pool", "delete", "lab").out()).contains("deleted pool lab");
        assertThat(CliRun.run(state, "pool", "delete", "lab").exitCode()).isZero();
        CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3");
        CliRun.run(state, "pool", "allocate", "a", "--pool", "lab");
        assertThat(CliRun.run(state, "pool", "delete", "lab", "--force").exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "list", "--pool", "lab").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        // The hint of a conflicting create names a command that exists.
        CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3");
        CliRun conflict = CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.9");
        assertThat(conflict.err()).contains("delete it first");
        assertThat(CliRun.run(state, "pool", "delete", "lab").exitCode()).isZero();
    }

    @Test
    @DisplayName("pool resize keeps every lease, refuses to drop one in force, and is idempotent")
    void resizePool() {
        CliRun.run(state, "pool", "create", "lab", "--range", "10.0.0.1-10.0.0.3");
        CliRun.run(state, "pool", "allocate", "a", "--pool", "lab");
        CliRun.run(state, "pool", "allocate", "b", "--pool", "lab");
        CliRun grow = CliRun.run(state, "pool", "resize", "lab", "--range", "10.0.0.1-10.0.0.6", "-o", "yaml");
        assertThat(grow.exitCode()).as(grow.err()).isZero();
        assertThat(grow.out()).contains("size: 6");
        assertThat(CliRun.run(state, "pool", "resize", "lab", "--range", "10.0.0.1-10.0.0.6").exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "list", "--pool", "lab").out()).contains("10.0.0.1").contains("10.0.0.2");
        CliRun shrink = CliRun.run(state, "pool", "resize", "lab", "--range", "10.0.0.1-10.0.0.1");
        assertThat(shrink.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(shrink.err()).contains("10.0.0.2 (held by b)").contains("ephemera pool release HOLDER --pool lab");
        CliRun excl = CliRun.run(state, "pool", "resize", "lab", "--range", "10.0.0.1-10.0.0.6", "--exclude", "10.0.0.1");
        assertThat(excl.exitCode()).isEqualTo(ExitCodes.CONFLICT);
        CliRun.run(state, "pool", "release", "b", "--pool", "lab");
        assertThat(CliRun.run(state, "pool", "resize", "lab", "--cidr", "10.0.0.0/30").exitCode()).isZero();
        assertThat(CliRun.run(state, "pool", "capacity", "--pool", "lab", "-o", "yaml").out()).contains("total: 2").contains("leased: 1");
        assertThat(CliRun.run(state, "pool", "resize", "nope", "--range", "10.0.0.1-10.0.0.2").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    }
}
