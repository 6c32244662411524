package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A command line builds picocli's model of the command it names only, and that model is the full tree's. */
class LazyCommandTreeTest {
    private static CommandLine tree(Optional<Class<?>> only) {
        return EphemeraCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(), Optional.empty(),
                false, dev.ephemera.application.Reconciler.StepHook.NONE, only);
    }

    @Test
    @DisplayName("a verb's line registers only its own top-level command; help, completion, options and unknown names get every command")
    void onlyTheNamedCommand() {
        assertThat(EphemeraCli.onlyCommandNamed(new String[] {"version"})).contains(VersionCommand.class);
        assertThat(EphemeraCli.onlyCommandNamed(new String[] {"pool", "allocate", "pr-1"})).contains(PoolCommand.class);
        assertThat(EphemeraCli.onlyCommandNamed(new String[] {"cluster", "get", "x"})).contains(ClusterCommand.class);
        for (String[] whole : List.of(new String[] {}, new String[] {"help", "pool"}, new String[] {"generate-completion"},
                new String[] {"--help"}, new String[] {"-V"}, new String[] {"poool"})) {
            assertThat(EphemeraCli.onlyCommandNamed(whole)).as(String.join(" ", whole)).isEmpty();
        }
        CommandLine pool = tree(EphemeraCli.onlyCommandNamed(new String[] {"pool", "allocate"}));
        assertThat(pool.getSubcommands().keySet()).containsExactly("pool");
        assertThat(tree(Optional.empty()).getSubcommands().keySet()).contains("version", "pool", "cluster", "help", "generate-completion");
    }

    @Test
    @DisplayName("every top-level command is in SUBCOMMANDS once, and each command's usage is the same built alone as in the whole tree")
    void sameModelAloneAndInTheTree() {
        CommandLine whole = tree(Optional.empty());
        List<String> names = new ArrayList<>();
        whole.getSubcommands().forEach((name, cl) -> {
            if (name.equals(cl.getCommandName())) {
                names.add(name);
            }
        });
        assertThat(names).hasSameSizeAs(EphemeraCommand.SUBCOMMANDS.keySet()).doesNotHaveDuplicates();
        for (Class<?> c : EphemeraCommand.SUBCOMMANDS.values()) {
            String name = c.getAnnotation(CommandLine.Command.class).name();
            if (name.equals("help") || name.equals("generate-completion")) {
                continue;
            }
            CommandLine alone = tree(Optional.of(c)).getSubcommands().get(name);
            compare(whole.getSubcommands().get(name), alone);
        }
    }

    @Test
    @DisplayName("SUBCOMMANDS names each command as its @Command does, and no top-level command has an alias the lookup would miss")
    void namesAgreeWithTheAnnotations() {
        EphemeraCommand.SUBCOMMANDS.forEach((name, c) -> {
            CommandLine.Command a = c.getAnnotation(CommandLine.Command.class);
            assertThat(a.name()).as(c.getName()).isEqualTo(name);
            assertThat(a.aliases()).as(c.getName()).isEmpty();
        });
    }

    @Test
    @DisplayName("a bare `version` (answered without the command model) prints what the version command prints through picocli")
    void bareVersionIsTheCommandsText() {
        StringWriter fast = new StringWriter();
        StringWriter fastErr = new StringWriter();
        int fastCode = EphemeraCli.run(new String[] {"version"}, new PrintWriter(fast), new PrintWriter(fastErr), Map.of());
        StringWriter viaPicocli = new StringWriter();
        CommandLine cl = EphemeraCli.commandLine(new PrintWriter(viaPicocli), new PrintWriter(new StringWriter()), Map.of(), Optional.empty(),
                false, dev.ephemera.application.Reconciler.StepHook.NONE, Optional.of(VersionCommand.class));
        int code = cl.execute("version");
        assertThat(fastCode).isEqualTo(code).isZero();
        assertThat(fast.toString()).isEqualTo(viaPicocli.toString()).startsWith("ephemera ").contains("\njava ");
        assertThat(fastErr.toString()).isEmpty();
    }

    @Test
    @DisplayName("a group's verb line (pool allocate, cluster get, warm-pool show) builds only that verb under its group, the same model as in the whole tree")
    void onlyTheNamedVerb() {
        assertThat(EphemeraCli.onlyVerbNamed(new String[] {"pool", "allocate", "pr-1"})).contains(PoolCommand.Allocate.class);
        assertThat(EphemeraCli.onlyVerbNamed(new String[] {"pool", "check-capacity"})).contains(PoolCommand.Capacity.class);
        assertThat(EphemeraCli.onlyVerbNamed(new String[] {"cluster", "get", "x"})).contains(ClusterCommand.Get.class);
        for (String[] whole : List.of(new String[] {"pool"}, new String[] {"pool", "--help"}, new String[] {"pool", "alocate"},
                new String[] {"version", "x"}, new String[] {"help", "pool", "allocate"}, new String[] {"-o", "json", "pool"})) {
            assertThat(EphemeraCli.onlyVerbNamed(whole)).as(String.join(" ", whole)).isEmpty();
        }
        CommandLine whole = tree(Optional.empty());
        EphemeraCommand.GROUPS.forEach(group -> {
            Map<String, Class<?>> verbs = EphemeraCommand.verbsOf(group);
            String groupName = group.getAnnotation(CommandLine.Command.class).name();
            CommandLine all = whole.getSubcommands().get(groupName);
            verbs.forEach((name, verb) -> {
                CommandLine alone = EphemeraCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(),
                        Optional.empty(), false, dev.ephemera.application.Reconciler.StepHook.NONE, Optional.of(group), Optional.of(verb));
                CommandLine aloneGroup = alone.getSubcommands().get(groupName);
                String own = verb.getAnnotation(CommandLine.Command.class).name();
                assertThat(aloneGroup.getSubcommands().keySet()).as(groupName + " " + name).containsOnly(
                        java.util.stream.Stream.concat(java.util.stream.Stream.of(own),
                                java.util.Arrays.stream(verb.getAnnotation(CommandLine.Command.class).aliases())).toArray(String[]::new));
                compare(all.getSubcommands().get(own), aloneGroup.getSubcommands().get(own));
            });
        });
    }

    @Test
    @DisplayName("each group's VERBS names every verb as its @Command does (name and aliases), and its @Command lists no subcommands")
    void verbNamesAgreeWithTheAnnotations() {
        EphemeraCommand.GROUPS.forEach(group -> {
            Map<String, Class<?>> verbs = EphemeraCommand.verbsOf(group);
            assertThat(verbs).as("the verbs of " + group).isNotEmpty();
            assertThat(group.getAnnotation(CommandLine.Command.class).subcommands()).as(group + " lists its verbs in VERBS only").isEmpty();
            java.util.Map<Class<?>, java.util.Set<String>> names = new java.util.LinkedHashMap<>();
            verbs.forEach((name, verb) -> names.computeIfAbsent(verb, v -> new java.util.TreeSet<>()).add(name));
            names.forEach((verb, given) -> {
                CommandLine.Command a = verb.getAnnotation(CommandLine.Command.class);
                java.util.Set<String> declared = new java.util.TreeSet<>(List.of(a.aliases()));
                declared.add(a.name());
                assertThat(given).as(verb.getName()).isEqualTo(declared);
            });
        });
    }

    /** Same usage text and options at every level below. */
    private static void compare(CommandLine expected, CommandLine actual) {
        assertThat(actual.getUsageMessage()).isEqualTo(expected.getUsageMessage());
        assertThat(actual.getSubcommands().keySet()).containsExactlyElementsOf(expected.getSubcommands().keySet());
        expected.getSubcommands().forEach((name, sub) -> compare(sub, actual.getSubcommands().get(name)));
    }
}
