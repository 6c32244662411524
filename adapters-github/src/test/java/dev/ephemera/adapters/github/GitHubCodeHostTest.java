package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.codehost.CommentRef;
import dev.ephemera.ports.codehost.CommitState;
import dev.ephemera.ports.codehost.PullRequestRef;
import dev.ephemera.testkit.fake.github.FakeGitHub;
import dev.ephemera.testkit.fake.github.Fault;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("The GitHub code host")
class GitHubCodeHostTest {
    private static final PullRequestRef PR = new PullRequestRef("acme/shop", 42);
    private static final String SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    private final TestGitHub.MovableClock clock = new TestGitHub.MovableClock(Instant.now());
    private final TestGitHub.RecordingSleeper sleeper = new TestGitHub.RecordingSleeper(clock);
    private FakeGitHub fake;

    @BeforeEach
    void start() {
        fake = FakeGitHub.start(clock);
        fake.install("acme", "acme/shop");
        fake.repository("acme/shop").addPullRequest(42);
    }

    @AfterEach
    void stop() {
        assertThat(fake.violations()).isEmpty();
        fake.close();
    }

    private GitHubCodeHost host(Map<String, Object> extra) {
        return new GitHubCodeHost(TestGitHub.client(TestGitHub.appSettings(fake, extra), clock, sleeper));
    }

    private GitHubCodeHost host() {
        return host(Map.of());
    }

    private List<FakeGitHub.Comment> ours() {
        return fake.repository("acme/shop").comments(42).stream().filter(c -> c.login().equals(fake.app().botLogin())).toList();
    }

    @Nested
    @DisplayName("upserting a marked comment")
    class Upsert {
        @Test
        @DisplayName("three upserts leave exactly one comment, holding the last body")
        void threeUpsertsOneComment() {
            GitHubCodeHost host = host();
            CommentRef first = host.upsertComment(PR, "cluster", "Cluster is provisioning");
            CommentRef second = host.upsertComment(PR, "cluster", "Cluster is ready");
            CommentRef third = host.upsertComment(PR, "cluster", "Cluster is ready: kubeconfig in E2E_KUBECONFIG");

            assertThat(fake.repository("acme/shop").comments(42)).hasSize(1);
            assertThat(ours().get(0).body()).endsWith("Cluster is ready: kubeconfig in E2E_KUBECONFIG")
                    .startsWith("<!-- ephemera:cluster -->");
            assertThat(first.created()).isTrue();
            assertThat(second.created()).isFalse();
            assertThat(third.id()).isEqualTo(first.id());
            assertThat(fake.count("issues/create-comment")).isEqualTo(1);
            assertThat(fake.count("issues/update-comment")).isEqualTo(2);
        }

        @Test
        @DisplayName("finds ours on page 2 of a 120-comment pull request, following Link headers to /repositories/{id}/ URLs")
        void ourCommentOnPageTwo() {
            FakeGitHub.Repository repo = fake.repository("acme/shop");
            repo.seedComments(42, 110, "reviewer", "LGTM");
            GitHubCodeHost host = host();
            host.upsertComment(PR, "cluster", "v1"); // comment 111: on page 2 at 100 per page
            repo.seedComments(42, 9, "reviewer", "more");
            assertThat(repo.comments(42)).hasSize(120);

            host.upsertComment(PR, "cluster", "v2");
            host.upsertComment(PR, "cluster", "v3");

            assertThat(repo.comments(42)).hasSize(120);
            assertThat(ours()).singleElement().satisfies(c -> assertThat(c.body()).endsWith("v3"));
            assertThat(fake.requests()).anySatisfy(r -> assertThat(r.path()).startsWith("/repositories/" + repo.id() + "/issues/42/comments"));
        }

        @Test
        @DisplayName("considers only our own bot's comments, even when another carries the marker")
        void onlyOurComments() {
            FakeGitHub.Repository repo = fake.repository("acme/shop");
            long theirs = repo.addComment(42, "mallory", "<!-- ephemera:cluster -->\nquoted from the bot");
            repo.addComment(42, "other-app[bot]", "<!-- ephemera:cluster -->\nanother bot");

            host().upsertComment(PR, "cluster", "ours");

            assertThat(repo.comments(42)).hasSize(3);
            assertThat(repo.comments(42)).filteredOn(c -> c.id() == theirs).singleElement()
                    .satisfies(c -> assertThat(c.body()).endsWith("quoted from the bot"));
            assertThat(ours()).singleElement().satisfies(c -> assertThat(c.body()).endsWith("ours"));
        }

        @Test
        @DisplayName("keeps one comment per marker")
        void markersAreIndependent() {
            GitHubCodeHost host = host();
            host.upsertComment(PR, "cluster", "a");
            host.upsertComment(PR, "report", "b");
            host.upsertComment(PR, "cluster", "c");

            assertThat(ours()).extracting(FakeGitHub.Comment::body)
                    .containsExactly("<!-- ephemera:cluster -->\nc", "<!-- ephemera:report -->\nb");
        }

        @Test
        @DisplayName("does not edit when the body is unchanged")
        void unchangedIsNoWrite() {
            GitHubCodeHost host = host();
            host.upsertComment(PR, "cluster", "same");
            host.upsertComment(PR, "cluster", "same");

            assertThat(fake.count("issues/update-comment")).isZero();
        }

        @Test
        @DisplayName("serialises concurrent upserts for one pull request: one comment")
        void concurrentUpserts() throws Exception {
            GitHubCodeHost host = host();
            int n = 8;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CommentRef>> all = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    int k = i;
                    all.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return host.upsertComment(PR, "cluster", "writer " + k);
                    }, pool));
                }
                go.countDown();
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }

            assertThat(ours()).hasSize(1);
            assertThat(all.stream().map(CompletableFuture::join).filter(CommentRef::created)).hasSize(1);
        }

        @Test
        @DisplayName("a lost answer to the create is looked for before creating again")
        void lostCreateIsNotDuplicated() {
            // The fake answers 502 without creating: the adapter must look, find nothing, and create once.
            fake.inject("POST", ".*/issues/42/comments", Fault.serverError(502), 1);

            CommentRef ref = host().upsertComment(PR, "cluster", "x");

            assertThat(ours()).hasSize(1);
            assertThat(ref.created()).isTrue();
        }

        @Test
        @DisplayName("refuses a bad marker, an oversize body, and a missing pull request")
        void refusals() {
            GitHubCodeHost host = host();
            assertThatThrownBy(() -> host.upsertComment(PR, "--> injected", "x"))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
            assertThatThrownBy(() -> host.upsertComment(PR, "cluster", "x".repeat(70_000)))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
            assertThat(fake.requests()).isEmpty();

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> host.upsertComment(new PullRequestRef("acme/shop", 7), "cluster", "x"));
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        }
    }

    @Nested
    @DisplayName("finding whose comments are ours")
    class Login {
        @Test
        @DisplayName("as an App: GET /app slug + [bot]")
        void appLogin() {
            GitHubClient client = TestGitHub.client(TestGitHub.appSettings(fake, Map.of()), clock, sleeper);
            assertThat(client.login()).isEqualTo("ephemera-test[bot]");
        }

        @Test
        @DisplayName("with a token: GET /user")
        void tokenLogin() {
            String token = fake.addToken("ci-person", "acme/shop");
            GitHubCodeHost host = new GitHubCodeHost(TestGitHub.client(TestGitHub.tokenSettings(fake, token, Map.of()), clock, sleeper));

            host.upsertComment(PR, "cluster", "a");
            host.upsertComment(PR, "cluster", "b");

            assertThat(fake.repository("acme/shop").comments(42)).singleElement()
                    .satisfies(c -> assertThat(c.login()).isEqualTo("ci-person"));
        }

        @Test
        @DisplayName("with a token GET /user refuses (GITHUB_TOKEN): says to set bot-login")
        void githubTokenNeedsBotLogin() {
            long inst = fake.install("acme", "acme/shop").id();
            // An installation token stands in for Actions' GITHUB_TOKEN: GitHub answers 403 to GET /user for both.
            String token = installationToken(inst);
            GitHubCodeHost host = new GitHubCodeHost(TestGitHub.client(TestGitHub.tokenSettings(fake, token, Map.of()), clock, sleeper));

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> host.upsertComment(PR, "cluster", "a"));
            assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION);
            assertThat(e.getMessage()).contains("bot-login").contains("github-actions[bot]");

            GitHubCodeHost configured = new GitHubCodeHost(TestGitHub.client(
                    TestGitHub.tokenSettings(fake, token, Map.of("bot-login", fake.app().botLogin())), clock, sleeper));
            configured.upsertComment(PR, "cluster", "a");
            configured.upsertComment(PR, "cluster", "b");
            assertThat(ours()).singleElement().satisfies(c -> assertThat(c.body()).endsWith("b"));
        }

        private String installationToken(long installation) {
            GitHubClient app = TestGitHub.client(TestGitHub.appSettings(fake, Map.of("installation-id", String.valueOf(installation))), clock, sleeper);
            return app.auth().authorization(Repo.parse("acme/shop")).substring("Bearer ".length());
        }
    }

    @Nested
    @DisplayName("commit statuses")
    class Statuses {
        @Test
        @DisplayName("are posted with state, context, a description cut to 140 characters, and the target URL")
        void posts() {
            host().setStatus("acme/shop", SHA, CommitState.SUCCESS, "ephemera/cluster", "d".repeat(200), Optional.of("https://ci.example/1"));

            assertThat(fake.repository("acme/shop").statuses()).singleElement().satisfies(s -> {
                assertThat(s.state()).isEqualTo("success");
                assertThat(s.context()).isEqualTo("ephemera/cluster");
                assertThat(s.description()).hasSize(140);
                assertThat(s.targetUrl()).isEqualTo("https://ci.example/1");
                assertThat(s.creator()).isEqualTo("ephemera-test[bot]");
            });
        }

        @Test
        @DisplayName("refuse a SHA that is not a full commit id before calling")
        void badSha() {
            assertThatThrownBy(() -> host().setStatus("acme/shop", "main", CommitState.PENDING, "c", "d", Optional.empty()))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID));
            assertThat(fake.requests()).isEmpty();
        }
    }
}
