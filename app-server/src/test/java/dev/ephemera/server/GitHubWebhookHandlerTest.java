package dev.ephemera.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.bootstrap.ConfigLoader;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.CodeHostWebhooksFactory;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("POST /v1/webhooks/github")
class GitHubWebhookHandlerTest {
    private static final String SECRET = "webhook-secret-for-tests-0123456789";
    private static final String SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final WebhookDeliveries deliveries = new WebhookDeliveries();

    private HttpResponse<String> post(String base, WebhookDeliveries.Delivery d) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + GitHubWebhookHandler.PATH)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()));
        d.headers().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("User-Agent") || !v.isBlank()) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The real GitHub verifier, found as the server finds adapters: through ServiceLoader by its factory type. */
    private static CodeHostWebhooks githubWebhooks() {
        return ServiceLoader.load(CodeHostWebhooksFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("github")).findFirst().orElseThrow()
                .create(new Settings("github", Map.of("webhook-secret", SECRET)));
    }

    @Nested
    @DisplayName("with the GitHub verifier")
    class Mounted {
        private Vertx vertx;
        private HttpServer server;
        private final CodeHostEventLog log = new CodeHostEventLog(10);
        private String base;

        private void start(Supplier<CodeHostWebhooks> webhooks) throws Exception {
            vertx = Vertx.vertx();
            Router router = Router.router(vertx);
            Router hooks = Router.router(vertx); // as ServerRoutes mounts it: the webhooks' own sub-router
            GitHubWebhookHandler.mount(hooks, new GitHubWebhookHandler(vertx, webhooks, log));
            router.route(GitHubWebhookHandler.MOUNT + "/*").subRouter(hooks);
            router.route().failureHandler(ctx -> Problems.send(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500, "Failed", null, null));
            server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            base = "http://127.0.0.1:" + server.actualPort();
        }

        @AfterEach
        void stop() throws Exception {
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }

        @Test
        @DisplayName("accepts a new pull_request delivery with 202 and records the event")
        void accepts() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7), SECRET);

            HttpResponse<String> r = post(base, d);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(r.body()).contains("\"status\":\"accepted\"").contains(d.id());
            assertThat(log.recent()).singleElement().isInstanceOfSatisfying(PullRequestEvent.class, e -> {
                assertThat(e.number()).isEqualTo(42);
                assertThat(e.deliveryId()).isEqualTo(d.id());
            });
        }

        @Test
        @DisplayName("answers a redelivery 200 duplicate and records nothing more")
        void duplicate() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("closed", "acme/shop", 42, SHA, true, 7), SECRET);
            post(base, d);

            HttpResponse<String> again = post(base, d);

            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).contains("\"status\":\"duplicate\"");
            assertThat(log.recent()).hasSize(1);
        }

        @Test
        @DisplayName("refuses a tampered body or signature with 401 problem+json and no side effect")
        void tampered() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7), SECRET);
            byte[] changed = d.bodyText().replace("acme/shop", "acme/shox").getBytes(StandardCharsets.UTF_8);

            HttpResponse<String> body = post(base, d.withBody(changed));
            HttpResponse<String> sig = post(base, d.withHeader("X-Hub-Signature-256", WebhookDeliveries.signature("not-the-secret-at-all", d.body())));

            for (HttpResponse<String> r : java.util.List.of(body, sig)) {
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(r.headers().firstValue("content-type")).contains(Problems.CONTENT_TYPE);
                assertThat(r.body()).contains("UNAUTHENTICATED").contains("X-Hub-Signature-256");
            }
            assertThat(log.recent()).isEmpty();
            assertThat(post(base, d).statusCode()).as("the genuine delivery is still new").isEqualTo(202);
        }

        @Test
        @DisplayName("refuses a delivery without a signature with 401")
        void unsigned() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);
            WebhookDeliveries.Delivery d = deliveries.deliver("ping", "{\"zen\":\"x\"}", SECRET).withHeader("X-Hub-Signature-256", "");

            assertThat(post(base, d).statusCode()).isEqualTo(401);
        }

        @Test
        @DisplayName("acknowledges ping with 200 ignored")
        void ping() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);

            HttpResponse<String> r = post(base, deliveries.deliver("ping", "{\"zen\":\"Design for failure.\"}", SECRET));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"status\":\"ignored\"");
        }

        @Test
        @DisplayName("refuses a body over 5 MB with 413 problem+json")
        void tooLarge() throws Exception {
            start(GitHubWebhookHandlerTest::githubWebhooks);
            String big = "{\"pad\":\"" + "x".repeat((int) GitHubWebhookHandler.BODY_LIMIT) + "\"}";

            HttpResponse<String> r = post(base, deliveries.deliver("push", big, SECRET));

            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).contains("5242880");
        }

        @Test
        @DisplayName("answers 501 (a configuration problem, no Retry-After) with what to configure when the verifier cannot be made")
        void notConfigured() throws Exception {
            start(() -> {
                throw new EphemeraException(ErrorCode.CONFIGURATION, "missing github.webhook-secret");
            });

            HttpResponse<String> r = post(base, deliveries.deliver("ping", "{}", SECRET));

            assertThat(r.statusCode()).isEqualTo(501);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            assertThat(r.headers().firstValue("content-type")).contains(Problems.CONTENT_TYPE);
            assertThat(r.body()).contains("webhook-secret").contains("\"code\":\"CONFIGURATION\"");
        }
    }

    @Nested
    @DisplayName("in the server")
    class InTheServer {
        @TempDir
        Path dir;
        private Ephemera ephemera;
        private EphemeraServer server;

        @AfterEach
        void stop() {
            if (server != null) {
                server.close();
            }
            if (ephemera != null) {
                ephemera.close();
            }
        }

        @Test
        @DisplayName("is not behind server.token (GitHub signs instead), and says what to configure when GitHub is not set up")
        void routedWithoutBearerToken() throws Exception {
            Path cfg = dir.resolve("ephemera.yaml");
            Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets") + "\n");
            ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg), Map.of(), dir, dir)),
                    AdapterRegistry.discover());
            server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.of(Secret.of("api-token")), Duration.ofSeconds(5)));
            String base = "http://127.0.0.1:" + server.start();

            HttpResponse<String> r = post(base, deliveries.deliver("ping", "{\"zen\":\"x\"}", SECRET));

            assertThat(r.statusCode()).as(r.body()).isEqualTo(501);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            assertThat(r.body()).contains("webhook-secret");
        }

        @Test
        @DisplayName("with github.webhook-secret configured, verifies through the bootstrap binding: 202, then 200 duplicate, 401 tampered")
        void configuredThroughBootstrap() throws Exception {
            Path cfg = dir.resolve("ephemera.yaml");
            Files.writeString(cfg, "sqlite:\n  path: " + dir.resolve("state.db") + "\nfile:\n  directory: " + dir.resolve("secrets")
                    + "\ngithub:\n  webhook-secret: env:GH_WEBHOOK_SECRET\n");
            ephemera = Ephemera.start(new ConfigLoader(AdapterRegistry.discover()).load(new ConfigLoader.Request(Optional.of(cfg),
                    Map.of("GH_WEBHOOK_SECRET", SECRET), dir, dir)), AdapterRegistry.discover());
            server = new EphemeraServer(ephemera, new ServerSettings("127.0.0.1", 0, 1024, Optional.of(Secret.of("api-token")), Duration.ofSeconds(5)));
            String base = "http://127.0.0.1:" + server.start();
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7), SECRET);

            assertThat(post(base, d).statusCode()).isEqualTo(202);
            assertThat(post(base, d).body()).contains("\"status\":\"duplicate\"");
            assertThat(post(base, d.withHeader("X-Hub-Signature-256", WebhookDeliveries.signature("not-the-secret-at-all", d.body()))).statusCode())
                    .isEqualTo(401);
        }
    }
}
