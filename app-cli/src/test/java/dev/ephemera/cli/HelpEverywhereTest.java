package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every command of the tree answers --help and -h, and `ephemera help COMMAND` works. */
class HelpEverywhereTest {
    @TempDir
    Path state;

    /** Each command's path (e.g. [cluster, create]) by its qualified name, walked from the root. */
    private static Map<String, List<String>> everyCommand() {
        CommandLine root = EphemeraCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(),
                Optional.empty(), false);
        Map<String, List<String>> out = new LinkedHashMap<>();
        walk(root, new ArrayList<>(), out);
        return out;
    }

    private static void walk(CommandLine cl, List<String> path, Map<String, List<String>> out) {
        out.put(cl.getCommandSpec().qualifiedName(), List.copyOf(path));
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            if (!e.getKey().equals(e.getValue().getCommandName())) {
                continue; // an alias of a command walked under its own name
            }
            List<String> next = new ArrayList<>(path);
            next.add(e.getKey());
            walk(e.getValue(), next, out);
        }
    }

    @Test
    @DisplayName("every command and subcommand accepts --help and -h with exit 0 and prints its usage")
    void everyCommandAcceptsHelp() {
        Map<String, List<String>> all = everyCommand();
        assertThat(all).containsKeys("ephemera pool", "ephemera cluster create", "ephemera pool delete", "ephemera pool resize",
                "ephemera kubeconfig render", "ephemera help");
        for (Map.Entry<String, List<String>> c : all.entrySet()) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(c.getValue());
                args.add(flag);
                CliRun r = CliRun.run(state, args.toArray(String[]::new));
                assertThat(r.exitCode()).as("%s %s: %s", c.getKey(), flag, r.err()).isZero();
                assertThat(r.out()).as("%s %s", c.getKey(), flag).contains("Usage: " + c.getKey());
            }
        }
    }

    @Test
    @DisplayName("`ephemera help [COMMAND]` prints the usage of the command named")
    void helpCommand() {
        assertThat(CliRun.run(state, "help").out()).startsWith("Usage: ephemera ");
        CliRun pool = CliRun.run(state, "help", "pool");
        assertThat(pool.exitCode()).isZero();
        assertThat(pool.out()).startsWith("Usage: ephemera pool").contains("allocate");
    }

    @Test
    @DisplayName("a command's first description line, shown in its group's list, is a whole sentence")
    void summariesAreNotCutOff() {
        CommandLine root = EphemeraCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(),
                Optional.empty(), false);
        List<CommandLine> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine cl = todo.remove(0);
            todo.addAll(cl.getSubcommands().values());
            String[] d = cl.getCommandSpec().usageMessage().description();
            if (d.length > 0 && !cl.getCommandSpec().name().equals("generate-completion") && !cl.getCommandSpec().name().equals("help")) {
                assertThat(d[0].strip()).as(cl.getCommandSpec().qualifiedName()).matches("(?s).*[.)…]$");
            }
        }
        assertThat(CliRun.run(state, "cluster", "--help").out()).contains("create      Claim a cluster and, with --wait, drive it to Ready.")
                .contains("reap        Run one sweep of the reaper.");
    }
}
