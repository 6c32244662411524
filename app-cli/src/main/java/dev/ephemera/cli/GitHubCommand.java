package dev.ephemera.cli;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.codehost.CodeHost;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestRef;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ephemera github …}: the code host's pull request comment and commit status, for CI steps (seed 004). */
@Command(name = "github", description = "Keep one pull request comment up to date, set a commit status (the code host of the 'github:' section).",
        subcommands = {GitHubCommand.Comment.class, GitHubCommand.Status.class})
public final class GitHubCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    @Command(name = "comment", description = "Create the comment carrying MARKER, or edit ours in place: one comment per marker, however often it runs.")
    static final class Comment extends BaseCommand {
        @Option(names = "--repo", required = true, paramLabel = "OWNER/NAME", description = "Repository, e.g. acme/shop.")
        String repo;

        @Option(names = "--pr", required = true, paramLabel = "N", description = "Pull request number.")
        int pr;

        @Option(names = "--marker", required = true, paramLabel = "M", description = "Hidden marker naming the comment, e.g. ephemera-report.")
        String marker;

        @Option(names = "--body-file", required = true, paramLabel = "FILE", description = "Markdown body ('-' for standard input).")
        String bodyFile;

        @Override
        protected int run(CliContext ctx) {
            String body = new String(InputFiles.read(bodyFile, "--body-file", System.in), StandardCharsets.UTF_8);
            CommentRef ref = ctx.ephemera().get(CodeHost.class).upsertComment(new PullRequestRef(repo, pr), marker, body);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", ref.id());
            m.put("url", ref.url());
            m.put("result", ref.created() ? "created" : "updated");
            ctx.render(m);
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", description = "Set a commit status on SHA.")
    static final class Status extends BaseCommand {
        @Option(names = "--repo", required = true, paramLabel = "OWNER/NAME", description = "Repository, e.g. acme/shop.")
        String repo;

        @Option(names = "--sha", required = true, paramLabel = "SHA", description = "Full commit SHA.")
        String sha;

        @Option(names = "--state", required = true, paramLabel = "STATE", description = "pending, success, failure or error.")
        String state;

        @Option(names = "--context", defaultValue = "ephemera", paramLabel = "NAME", description = "Status context (default: ${DEFAULT-VALUE}).")
        String context;

        @Option(names = "--description", defaultValue = "", paramLabel = "TEXT", description = "Short description (cut to 140 characters).")
        String description;

        @Option(names = "--target-url", paramLabel = "URL", description = "Link shown with the status.")
        String targetUrl;

        @Override
        protected int run(CliContext ctx) {
            CommitState s;
            try {
                s = CommitState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw EphemeraException.invalid("--state '" + state + "' is not one of pending, success, failure, error");
            }
            ctx.ephemera().get(CodeHost.class).setStatus(repo, sha, s, context, description, Optional.ofNullable(targetUrl));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("repo", repo);
            m.put("sha", sha);
            m.put("state", s.name().toLowerCase(Locale.ROOT));
            m.put("context", context);
            ctx.render(m);
            return ExitCodes.OK;
        }
    }
}
