package dev.ephemera.adapters.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import dev.ephemera.testkit.fake.vault.FakeVault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate processes — not threads sharing a JVM — racing on one pool in the fake Vault: each
 * opens its own store, tries to create the pool, and allocates. Check-and-set in Vault is all
 * that keeps them apart.
 */
@DisplayName("Separate processes allocating from one Vault pool")
class VaultLeaseStoreProcessesTest {
    private static final int PROCESSES = 8;
    private static final int HOLDERS_PER_PROCESS = 3;
    private static final int POOL_SIZE = 20;

    @Test
    @DisplayName("8 JVMs × 3 holders on a pool of 20: 20 distinct addresses, 4 clean 'pool exhausted', the stored pool agrees")
    void eightProcesses(@TempDir Path dir) throws Exception {
        try (FakeVault vault = FakeVault.builder().threads(64).start()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, AllocatorProcess.class.getName(),
                        vault.address().toString(), vault.rootToken(), "shared", "10.30.0.1-10.30.0." + POOL_SIZE));
                for (int h = 0; h < HOLDERS_PER_PROCESS; h++) {
                    cmd.add("proc" + p + "-job" + h);
                }
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .redirectOutput(dir.resolve("out-" + p).toFile())
                        .redirectError(dir.resolve("err-" + p).toFile());
                processes.add(pb.start());
            }
            Map<String, String> addressByHolder = new HashMap<>();
            List<String> exhausted = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                Process proc = processes.get(p);
                assertThat(proc.waitFor(180, TimeUnit.SECONDS)).as("process %d finished", p).isTrue();
                assertThat(proc.exitValue()).as("process %d: %s", p, Files.readString(dir.resolve("err-" + p))).isZero();
                for (String line : Files.readAllLines(dir.resolve("out-" + p), StandardCharsets.UTF_8)) {
                    String[] f = line.split(" ");
                    if (f[0].equals("LEASE")) {
                        assertThat(addressByHolder.put(f[1], f[2])).isNull();
                    } else if (f[0].equals("EXHAUSTED")) {
                        exhausted.add(f[1]);
                    }
                }
            }

            assertThat(addressByHolder).hasSize(POOL_SIZE);
            assertThat(addressByHolder.values()).doesNotHaveDuplicates();
            assertThat(exhausted).hasSize(PROCESSES * HOLDERS_PER_PROCESS - POOL_SIZE);
            PoolState stored = TestVaults.store(vault).read("shared").orElseThrow().value();
            assertThat(stored.leases()).hasSize(POOL_SIZE);
            for (Lease l : stored.leases()) {
                assertThat(addressByHolder).containsEntry(l.holder(), l.address().toString());
            }
            assertThat(vault.specViolations()).isEmpty();
        }
    }
}
