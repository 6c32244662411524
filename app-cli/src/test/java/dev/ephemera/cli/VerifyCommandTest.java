package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierOptions;
import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.testkit.inmemory.InMemoryCanaryJobs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ephemera verify}: flags through the real CLI, and the command's verdicts and exit codes
 * over an in-memory Job store (the Kubernetes side is tested in adapters-kubernetes).
 */
class VerifyCommandTest {
    private static final String NS = "shop";
    private static final String JOB = "e2e-my-app-abc123";
    private static final CanaryWebhook HOOK = CanaryWebhook.of("my-app", NS, "Progressing", "abc123");

    @TempDir
    Path state;

    private final InMemoryCanaryJobs jobs = new InMemoryCanaryJobs().putSpec(E2ESpec.builder(NS, "my-app", "alpine").build());
    private final CanaryVerifier verifier = new CanaryVerifier(jobs, VerifierOptions.DEFAULT);
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CliContext ctx(OutputFormat format) {
        return new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), format, Optional.empty(), Map.of(), Optional.empty(), true);
    }

    @Test
    @DisplayName("one check creates the Job and exits 6 while it runs, 0 once it passed")
    void oneCheck() throws Exception {
        assertThat(VerifyCommand.verify(ctx(OutputFormat.TABLE), verifier, HOOK, false, Optional.empty())).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(jobs.job(NS, JOB)).isPresent();
        jobs.succeed(NS, JOB);
        assertThat(VerifyCommand.verify(ctx(OutputFormat.JSON), verifier, HOOK, false, Optional.empty())).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("\"verdict\" : \"PASSED\"").contains(JOB);
        assertThat(jobs.createCalls()).isEqualTo(1);
    }

    @Test
    @DisplayName("--wait waits for the Job, shows progress, and exits 1 with the log tail on stderr when it fails")
    void waitsAndFails() throws Exception {
        jobs.setLog(NS, JOB, List.of("suite started", "1 test failed"));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return VerifyCommand.verify(ctx(OutputFormat.TABLE), verifier, HOOK, true, Optional.empty());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (jobs.waiting(NS, JOB) == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        assertThat(jobs.waiting(NS, JOB)).isEqualTo(1);
        assertThat(exit).isNotDone();
        jobs.fail(NS, JOB, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(ExitCodes.FAILED);
        assertThat(err.toString()).contains("is running; waiting").contains("1 test failed");
        assertThat(out.toString()).contains("FAILED").contains("BackoffLimitExceeded");
    }

    @Test
    @DisplayName("--wait with --timeout exits 6 when the Job outlives it; the Job runs on")
    void timeout() throws Exception {
        assertThat(VerifyCommand.verify(ctx(OutputFormat.TABLE), verifier, HOOK, true, Optional.of(Duration.ofMillis(50))))
                .isEqualTo(ExitCodes.TIMEOUT);
        assertThat(out.toString()).contains("still running");
        assertThat(jobs.waitingTotal()).isZero();
    }

    @Test
    @DisplayName("no E2ESpec exits 3")
    void noSpec() throws Exception {
        assertThat(VerifyCommand.verify(ctx(OutputFormat.TABLE), verifier, CanaryWebhook.of("other", NS, "Progressing", "1"), false,
                Optional.empty())).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(out.toString()).contains("no E2ESpec shop/other");
    }

    @Test
    @DisplayName("bad flags are invalid input")
    void flags() {
        assertThat(CliRun.run(state, "verify", "--name", "a", "--namespace", "b").exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        CliRun noWait = CliRun.run(state, "verify", "--name", "a", "--namespace", "b", "--checksum", "c", "--timeout", "5m");
        assertThat(noWait.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(noWait.err()).contains("--timeout needs --wait");
        CliRun badName = CliRun.run(state, "verify", "--name", "Not Valid", "--namespace", "b", "--checksum", "c");
        assertThat(badName.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(CliRun.run(state, "verify", "--help").out()).contains("--wait").contains("--timeout");
    }
}
