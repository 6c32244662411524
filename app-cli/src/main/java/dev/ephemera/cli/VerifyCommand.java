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
            "6 the Job has not finished (without --wait, or when --timeout ran out; the Job runs on)."})
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

    @Option(names = "--timeout", paramLabel = "D", description = "With --wait: give up after this long, e.g. 20m (default: the Job's deadline plus a margin, at most canary.hold-cap).")
    String timeout;

    @Override
    protected int run(CliContext ctx) throws Exception {
        CanaryWebhook hook = new CanaryWebhook(name, namespace, phase, checksum, Map.of());
        Optional<Duration> limit = Optional.ofNullable(timeout).map(DurationText::parse);
        if (limit.isPresent() && !wait) {
            throw EphemeraException.invalid("--timeout needs --wait");
        }
        return verify(ctx, ctx.ephemera().get(CanaryVerifier.class), hook, wait, limit);
    }

    /** The command's work on a given verifier (tests give one over an in-memory Job store). */
    static int verify(CliContext ctx, CanaryVerifier verifier, CanaryWebhook hook, boolean wait, Optional<Duration> limit) throws Exception {
        // First one check, as seed mode answers it: creates the Job, and tells at once if it has already ended.
        VerifierAnswer answer = get(verifier.verify(hook, Optional.of(VerifierMode.SEED), Optional.empty()).toCompletableFuture());
        if (answer.verdict() == Verdict.RUNNING && wait) {
            ctx.progress("test Job " + answer.job().orElse("?") + " in " + hook.namespace() + " is running; waiting for it to end"
                    + limit.map(d -> " (at most " + DurationText.format(d) + ")").orElse("") + "…");
            answer = get(verifier.verify(hook, Optional.of(VerifierMode.GATE), limit).toCompletableFuture());
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

    private static VerifierAnswer get(CompletableFuture<VerifierAnswer> f) throws Exception {
        try {
            return f.get();
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
