package dev.ephemera.cli;

import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.secret.SecretAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ephemera secret …}: put a value into, or take it out of, a secret sink (a GitHub Actions
 * secret, Vault, a file) by the sink's name, as the cluster commands do with {@code --push}.
 */
@Command(name = "secret", description = "Push a secret (e.g. a kubeconfig) to a sink, or delete it: github, file, vault…",
        subcommands = {SecretCommand.Push.class, SecretCommand.Delete.class})
public final class SecretCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Where a secret goes: the sink, its scope, an optional environment, the name. */
    static class Target {
        @Option(names = "--to", required = true, paramLabel = "SINK",
                description = "Sink to use, by name: github (Actions secret), file, vault, … (see 'ephemera backends').")
        String sink;

        @Option(names = {"--repo", "--scope"}, paramLabel = "SCOPE",
                description = "Where in the sink: OWNER/NAME for github, a path for vault, a directory for file.")
        String scope;

        @Option(names = "--environment", paramLabel = "ENV",
                description = "GitHub deployment environment (e.g. pr-42): an environment secret instead of a repository secret.")
        String environment;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Secret name, e.g. E2E_KUBECONFIG.")
        String name;

        SecretAddress address() {
            return new SecretAddress(scope, Optional.ofNullable(environment).filter(e -> !e.isBlank()), name);
        }

        Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sink", sink);
            m.put("scope", scope == null ? "" : scope);
            m.put("environment", environment == null ? "" : environment);
            m.put("name", name);
            return m;
        }
    }

    @Command(name = "push", description = "Write (or replace) a secret from a file. The value is never printed.")
    static final class Push extends BaseCommand {
        @picocli.CommandLine.Mixin
        Target target = new Target();

        @Option(names = "--from-file", required = true, paramLabel = "FILE", description = "File holding the value ('-' for standard input).")
        String file;

        @Override
        protected int run(CliContext ctx) {
            SecretAddress address = target.address();
            Secret value = Secret.ofBytes(InputFiles.read(file, "--from-file", System.in));
            ctx.progress("pushing " + address + " to " + target.sink);
            ctx.ephemera().secretSink(target.sink).put(address, value);
            Map<String, Object> m = target.describe();
            m.put("bytes", value.length());
            m.put("result", "written");
            ctx.render(m);
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a secret; deleting one that is not there is not an error.")
    static final class Delete extends BaseCommand {
        @picocli.CommandLine.Mixin
        Target target = new Target();

        @Override
        protected int run(CliContext ctx) {
            ctx.ephemera().secretSink(target.sink).delete(target.address());
            Map<String, Object> m = target.describe();
            m.put("result", "deleted");
            ctx.render(m);
            return ExitCodes.OK;
        }
    }
}
