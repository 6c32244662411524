package dev.ephemera.adapters.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Several JVMs allocating from one SQLite file")
class CrossProcessAllocationTest {
    private static final int PROCESSES = 4;
    private static final int HOLDERS_PER_PROCESS = 5;
    private static final int POOL_SIZE = 10;
    private static final long DEADLINE_SECONDS = 120;

    @TempDir
    Path dir;

    @Test
    @DisplayName("starting together on a new file, hand out every address exactly once, refuse the rest cleanly, and the stored pool agrees")
    void noDuplicateAcrossProcesses() throws Exception {
        Path db = dir.resolve("state").resolve("shared.db");

        List<Process> processes = new ArrayList<>();
        List<CompletableFuture<List<String>>> outputs = new ArrayList<>();
        try {
            for (int p = 0; p < PROCESSES; p++) {
                List<String> command = new ArrayList<>(List.of(javaBinary(), "-cp", testClassPath(), AllocatorProcess.class.getName(), db.toString(), "lab",
                        "10.0.0.1-10.0.0." + POOL_SIZE));
                for (int h = 0; h < HOLDERS_PER_PROCESS; h++) {
                    command.add("proc" + p + "-holder" + h);
                }
                Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                processes.add(process);
            }
            // Start gate: every JVM has opened its stores before any allocates.
            List<BufferedReader> readers = new ArrayList<>();
            for (Process process : processes) {
                BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                readers.add(r);
                CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> readLine(r));
                assertThat(ready.get(DEADLINE_SECONDS, TimeUnit.SECONDS)).isEqualTo("READY");
            }
            for (Process process : processes) {
                OutputStream stdin = process.getOutputStream();
                stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }
            for (BufferedReader r : readers) {
                outputs.add(CompletableFuture.supplyAsync(() -> readUntilDone(r)));
            }
            List<String> lines = new ArrayList<>();
            for (CompletableFuture<List<String>> out : outputs) {
                lines.addAll(out.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
            }
            for (Process process : processes) {
                assertThat(process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).isZero();
            }

            Map<String, String> granted = new HashMap<>();
            int exhausted = 0;
            for (String line : lines) {
                String[] parts = line.split(" ", 3);
                switch (parts[0]) {
                    case "OK" -> granted.put(parts[1], parts[2]);
                    case "EXHAUSTED" -> exhausted++;
                    default -> throw new AssertionError("an allocator failed: " + line);
                }
            }
            int total = PROCESSES * HOLDERS_PER_PROCESS;
            assertThat(granted).hasSize(POOL_SIZE);
            assertThat(granted.values()).doesNotHaveDuplicates();
            assertThat(exhausted).isEqualTo(total - POOL_SIZE);

            try (SqliteLeaseStore store = SqliteLeaseStore.open(new SqliteSettings(db, Duration.ofSeconds(10)))) {
                PoolState stored = store.read("lab").orElseThrow().value();
                assertThat(stored.leases()).hasSize(POOL_SIZE);
                for (Lease l : stored.leases()) {
                    assertThat(granted).containsEntry(l.holder(), l.address().toString());
                }
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> readUntilDone(BufferedReader r) {
        List<String> lines = new ArrayList<>();
        for (String line = readLine(r); line != null && !line.equals("DONE"); line = readLine(r)) {
            lines.add(line);
        }
        return lines;
    }
}
