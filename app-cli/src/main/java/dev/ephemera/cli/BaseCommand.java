package dev.ephemera.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The base of every command that does something: global options, a {@link CliContext}, and an
 * exit code. Errors are thrown as {@code EphemeraException}s and become exit codes in
 * {@link EphemeraCli}, in one place.
 */
public abstract class BaseCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Mixin
    protected GlobalOptions global;

    /** Configuration overrides a command's own flags make, as {@code EPHEMERA_…} variables (e.g. verify's --kubeconfig). */
    protected java.util.Map<String, String> settingOverrides() {
        return java.util.Map.of();
    }

    /** Does the work; returns an exit code from {@link ExitCodes}. */
    protected abstract int run(CliContext ctx) throws Exception;

    @Override
    public final Integer call() throws Exception {
        EphemeraCommand root = (EphemeraCommand) spec.root().userObject();
        java.util.Map<String, String> env = new java.util.HashMap<>(root.env());
        env.putAll(settingOverrides());
        try (CliContext ctx = new CliContext(spec.commandLine().getOut(), spec.commandLine().getErr(), global.output(),
                global.config(), env, root.home(), root.terminal(), root.stepHook())) {
            return run(ctx);
        }
    }
}
