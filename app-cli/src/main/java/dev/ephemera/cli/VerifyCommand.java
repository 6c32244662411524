package dev.ephemera.cli;

import dev.ephemera.application.canary.CanaryVerifier;
import dev.ephemera.application.canary.VerifierAnswer;
import dev.ephemera.domain.canary.CanaryWebhook;
import dev.ephemera.domain.canary.Verdict;
import dev.ephemera.domain.canary.VerifierMode;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ephemera verify}: the canary verification of {@code POST /webhook}, from a terminal. It
 * finds the canary's E2ESpec, creates the test Job (or finds it), and reports the verdict; with
 * {@code --wait} it waits for the Job to end, woken by the Job watch.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run a canary's end-to-end test Job (from the E2ESpec named after it) and report the verdict, as Flagger's webhook would.",
            "Without --wait: one check (creates the Job if missing). With --wait: waits until the Job ends or --timeout runs out."},
        footer = {"%nExit: 0 the test passed; 1 it failed (the failed pod's log tail goes to stderr); 3 no E2ESpec;",
            "6 the Job has not finished (without --wait, or when --timeout ran out; the Job runs on);",
            "10 no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a pod."})
public final class VerifyCommand extends BaseCommand {
    @Option(names = "--name", required = true, paramLabel = "NAME", description = "The canary's name (and its E2ESpec's).")
    String name;

    @Option(names = "--namespace", required = true, paramLabel = "NS", description = "The canary's namespace.")
    String namespace;

    @Option(names = "--checksum", required = true, paramLabel = "C", description = "The revision's checksum; the Job is e2e-NAME-C.")
    String checksum;

    @Option(names = "--phase", paramLabel = "PHASE", defaultValue = "Progressing", description = "Value of CANARY_PHASE in the Job (default: ${DEFAULT-VALUE}).")
    String phase;

    @Option(names = "--wait", description = "Wait until the Job succeeds or fails.")
    boolean wait;

    @Option(names = "--timeout", paramLabel = "D", description = {"With --wait: give up after this long (exit 6), e.g. 20m, reaching the API included",
        "(default: the Job's deadline plus a margin, at most canary.hold-cap)."})
    String timeout;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kubeconfig of the cluster the canary runs in (default: kubernetes.kubeconfig, "
            + "$KUBECONFIG, ~/.kube/config, else the pod's service account).")
    java.nio.file.Path kubeconfig;

    @Override
    protected Map<String, String> settingOverrides() {
        return kubeconfig == null ? Map.of() : Map.of("EPHEMERA_KUBERNETES_KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    }

    @Override
    protected int run(CliContext ctx) throws Exception {
        CanaryWebhook hook = new CanaryWebhook(name, namespace, phase, checksum, Map.of());
        Optional<Duration> limit = Optional.ofNullable(timeout).map(t -> ClusterCommand.positive("--timeout", t));
        if (limit.isPresent() && !wait) {
            throw EphemeraException.invalid("--timeout needs --wait");
        }
        if (kubeconfig != null && !java.nio.file.Files.isReadable(kubeconfig)) {
            throw EphemeraException.invalid("--kubeconfig " + kubeconfig + " cannot be read");
        }
        java.time.Instant deadline = limit.map(java.time.Instant.now()::plus).orElse(java.time.Instant.MAX);
        if (limit.isEmpty()) {
            return verify(ctx, ctx.ephemera().get(CanaryVerifier.class), hook, wait, limit, deadline);
        }
        // --timeout bounds everything, reaching the API included (a client that cannot connect blocks
        // while it retries): the work runs on its own thread, and the command ends at the deadline.
        CompletableFuture<Integer> work = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                work.complete(verify(ctx, ctx.ephemera().get(CanaryVerifier.class), hook, wait, limit, deadline));
            } catch (Throwable t) {
                work.completeExceptionally(t);
            }
        }, "ephemera-verify");
        worker.setDaemon(true);
        worker.start();
        // The gate answers "still running" itself when its hold ends; a little slack lets that answer be the one shown.
        return get(work, deadline.plusSeconds(2), limit);
    }

    /** The command's work on a given verifier (tests give one over an in-memory Job store). */
    static int verify(CliContext ctx, CanaryVerifier verifier, CanaryWebhook hook, boolean wait, Optional<Duration> limit) throws Exception {
        return verify(ctx, verifier, hook, wait, limit, limit.map(java.time.Instant.now()::plus).orElse(java.time.Instant.MAX));
    }

    static int verify(CliContext ctx, CanaryVerifier verifier, CanaryWebhook hook, boolean wait, Optional<Duration> limit,
                      java.time.Instant deadline) throws Exception {
        // First one check, as seed mode answers it: creates the Job, and tells at once if it has already ended.
        VerifierAnswer answer = get(verifier.verify(hook, Optional.of(VerifierMode.SEED), Optional.empty()).toCompletableFuture(), deadline, limit);
        if (answer.verdict() == Verdict.RUNNING && wait) {
            ctx.progress("test Job " + answer.job().orElse("?") + " in " + hook.namespace() + " is running; waiting for it to end"
                    + limit.map(d -> " (at most " + DurationText.format(d) + ")").orElse("") + "…");
            // The gate holds for what is left of --timeout and answers "still running" at its end; the
            // future is given a few seconds more than that, so the verifier's own answer is the one shown.
            Optional<Duration> left = limit.map(l -> Duration.between(java.time.Instant.now(), deadline))
                    .map(d -> d.toMillis() < 1 ? Duration.ofMillis(1) : d);
            answer = get(verifier.verify(hook, Optional.of(VerifierMode.GATE), left).toCompletableFuture(),
                    deadline.equals(java.time.Instant.MAX) ? deadline : deadline.plusSeconds(2), limit);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("verdict", answer.verdict().name());
        row.put("job", answer.job().orElse(""));
        row.put("namespace", hook.namespace());
        row.put("reason", answer.reason().orElse(""));
        row.put("message", answer.message());
        if (ctx.output() != OutputFormat.TABLE) {
            row.put("logTail", answer.logTail());
        }
        ctx.render(row);
        if (ctx.output() == OutputFormat.TABLE && !answer.logTail().isEmpty()) {
            ctx.err().println("--- last " + answer.logTail().size() + " log lines of " + answer.job().orElse("the Job") + " ---");
            answer.logTail().forEach(ctx.err()::println);
            ctx.err().flush();
        }
        return switch (answer.verdict()) {
            case PASSED -> ExitCodes.OK;
            case FAILED -> ExitCodes.FAILED;
            case NO_SPEC -> ExitCodes.NOT_FOUND;
            case RUNNING -> ExitCodes.TIMEOUT;
        };
    }

    /** Waits for an answer until the deadline of --timeout; past it, the command ends with exit 6. */
    private static <T> T get(CompletableFuture<T> f, java.time.Instant deadline, Optional<Duration> limit) throws Exception {
        try {
            if (deadline.equals(java.time.Instant.MAX)) {
                return f.get();
            }
            long ms = Math.max(0, Duration.between(java.time.Instant.now(), deadline).toMillis());
            return f.get(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw EphemeraException.timeout("no verdict within --timeout " + limit.map(DurationText::format).orElse("")
                    + "; the Job (if it was created) runs on: run the same command again to keep waiting");
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
