package dev.ephemera.adapters.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.PullRequestAction;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.codehost.WebhookDelivery;
import dev.ephemera.ports.codehost.WebhookOutcome;
import dev.ephemera.ports.codehost.WebhookOutcome.Disposition;
import dev.ephemera.ports.spi.Settings;
import dev.ephemera.testkit.fake.github.WebhookDeliveries;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("GitHub webhook verification")
class GitHubWebhooksTest {
    private static final String SECRET = "a-long-random-webhook-secret-0123456789";
    private static final String SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    private final WebhookDeliveries deliveries = new WebhookDeliveries();
    private final CodeHostWebhooks webhooks = new GitHubWebhooksFactory().create(new Settings("github", Map.of("webhook-secret", SECRET)));

    private static WebhookDelivery of(WebhookDeliveries.Delivery d) {
        return new WebhookDelivery(d.headers(), d.body());
    }

    @Test
    @DisplayName("verifies GitHub's published test vector")
    void publishedTestVector() {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        Secret secret = Secret.of("It's a Secret to Everybody");
        String expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

        assertThat(WebhookSignature.sign(secret, body)).isEqualTo(expected);
        assertThat(WebhookSignature.verify(secret, body, expected)).isTrue();
        assertThat(WebhookSignature.verify(secret, body, expected.toUpperCase(java.util.Locale.ROOT).replace("SHA256=", "sha256="))).isTrue();
        assertThat(WebhookSignature.verify(secret, "Hello, World?".getBytes(StandardCharsets.UTF_8), expected)).isFalse();
        assertThat(WebhookSignature.verify(secret, body, "sha1=757107ea0eb2509fc211221cce984b8a37570b6d")).isFalse();
        assertThat(WebhookSignature.verify(secret, body, "sha256=zz")).isFalse();
    }

    @Nested
    @DisplayName("refuses with UNAUTHENTICATED, recording nothing,")
    class Refusals {
        @Test
        @DisplayName("a tampered body")
        void tamperedBody() {
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7), SECRET);
            byte[] tampered = d.bodyText().replace("\"number\":42", "\"number\":43").getBytes(StandardCharsets.UTF_8);

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> webhooks.accept(of(d.withBody(tampered))));

            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            // Nothing was remembered: the genuine delivery with the same id is still new.
            assertThat(webhooks.accept(of(d)).disposition()).isEqualTo(Disposition.ACCEPTED);
        }

        @Test
        @DisplayName("a tampered or foreign signature")
        void tamperedSignature() {
            WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7), SECRET);
            String sig = d.headers().get("X-Hub-Signature-256");
            char last = sig.charAt(sig.length() - 1);
            String flipped = sig.substring(0, sig.length() - 1) + (last == '0' ? '1' : '0');

            for (WebhookDeliveries.Delivery bad : new WebhookDeliveries.Delivery[] {
                    d.withHeader("X-Hub-Signature-256", flipped),
                    d.withHeader("X-Hub-Signature-256", WebhookDeliveries.signature("another-secret-entirely-xx", d.body())),
                    d.withHeader("X-Hub-Signature-256", "")}) {
                EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> webhooks.accept(of(bad)));
                assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            }
            assertThat(webhooks.accept(of(d)).disposition()).isEqualTo(Disposition.ACCEPTED);
        }

        @Test
        @DisplayName("a delivery without a signature (a webhook without a secret)")
        void missingSignature() {
            WebhookDeliveries.Delivery d = deliveries.deliver("ping", "{\"zen\":\"Keep it logically awesome.\"}", SECRET);
            java.util.Map<String, String> h = new java.util.LinkedHashMap<>(d.headers());
            h.remove("X-Hub-Signature-256");

            EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> webhooks.accept(new WebhookDelivery(h, d.body())));

            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("X-Hub-Signature-256");
        }
    }

    @Test
    @DisplayName("recognises a redelivery by X-GitHub-Delivery and does not hand it on again")
    void redelivery() {
        WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", deliveries.pullRequestPayload("synchronize", "acme/shop", 42, SHA, false, 7), SECRET);

        WebhookOutcome first = webhooks.accept(of(d));
        WebhookOutcome again = webhooks.accept(of(d));

        assertThat(first.disposition()).isEqualTo(Disposition.ACCEPTED);
        assertThat(again.disposition()).isEqualTo(Disposition.DUPLICATE);
        assertThat(again.event()).isEmpty();
        assertThat(again.deliveryId()).isEqualTo(d.id());
    }

    @Test
    @DisplayName("remembers a bounded number of deliveries, oldest forgotten first")
    void bounded() {
        CodeHostWebhooks small = new GitHubWebhooksFactory().create(new Settings("github",
                Map.of("webhook-secret", SECRET, "webhook-deliveries-remembered", "2")));
        String body = "{\"zen\":\"x\"}";
        WebhookDeliveries.Delivery a = deliveries.deliver("ping", body, SECRET, "a");
        small.accept(of(a));
        small.accept(of(deliveries.deliver("ping", body, SECRET, "b")));
        small.accept(of(deliveries.deliver("ping", body, SECRET, "c")));

        assertThat(small.accept(of(a)).disposition()).isEqualTo(Disposition.IGNORED);
        assertThat(small.accept(of(a)).disposition()).isEqualTo(Disposition.DUPLICATE);
    }

    @ParameterizedTest(name = "{0} (merged: {1})")
    @CsvSource({"opened,false,OPENED", "reopened,false,REOPENED", "synchronize,false,SYNCHRONIZE", "closed,false,CLOSED", "closed,true,CLOSED"})
    @DisplayName("parses pull_request payloads built from GitHub's webhook schemas")
    void pullRequests(String action, boolean merged, PullRequestAction expected) {
        String payload = deliveries.pullRequestPayload(action, "acme/shop", 42, SHA, merged, 77);

        WebhookOutcome o = webhooks.accept(of(deliveries.deliver("pull_request", payload, SECRET)));

        assertThat(o.disposition()).isEqualTo(Disposition.ACCEPTED);
        assertThat(o.event()).get().isInstanceOfSatisfying(PullRequestEvent.class, e -> {
            assertThat(e.action()).isEqualTo(expected);
            assertThat(e.merged()).isEqualTo(merged);
            assertThat(e.repository()).isEqualTo("acme/shop");
            assertThat(e.number()).isEqualTo(42);
            assertThat(e.headSha()).isEqualTo(SHA);
            assertThat(e.headRef()).isEqualTo("feature/pr-42");
            assertThat(e.baseRef()).isEqualTo("main");
            assertThat(e.installationId()).contains(77L);
        });
        assertThat(o.detail()).contains("pull_request." + action).contains("acme/shop#42");
    }

    @Test
    @DisplayName("parses repository_dispatch with its client payload")
    void dispatch() {
        String payload = deliveries.repositoryDispatchPayload("ephemera-claim", "acme/shop", Map.of("pr", 42, "ttl", "3d"), 77);

        WebhookOutcome o = webhooks.accept(of(deliveries.deliver("repository_dispatch", payload, SECRET)));

        assertThat(o.event()).get().isInstanceOfSatisfying(RepositoryDispatchEvent.class, e -> {
            assertThat(e.eventType()).isEqualTo("ephemera-claim");
            assertThat(e.repository()).isEqualTo("acme/shop");
            assertThat(e.clientPayloadJson()).contains("\"pr\":42").contains("\"ttl\":\"3d\"");
            assertThat(e.installationId()).contains(77L);
        });
    }

    @Test
    @DisplayName("acknowledges events and actions it does not act on as IGNORED")
    void ignored() {
        String edited = deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7).replace("\"action\":\"opened\"", "\"action\":\"edited\"");

        assertThat(webhooks.accept(of(deliveries.deliver("pull_request", edited, SECRET))).disposition()).isEqualTo(Disposition.IGNORED);
        assertThat(webhooks.accept(of(deliveries.deliver("ping", "{\"zen\":\"x\"}", SECRET))).disposition()).isEqualTo(Disposition.IGNORED);
        assertThat(webhooks.accept(of(deliveries.deliver("push", "{}", SECRET))).disposition()).isEqualTo(Disposition.IGNORED);
    }

    @Test
    @DisplayName("parses labeled with its label, the labels, draft and whether the head lives in a fork")
    void labeledDraftAndFork() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode p = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(
                deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7));
        p.put("action", "labeled");
        p.putObject("label").put("name", "ephemeral-cluster");
        com.fasterxml.jackson.databind.node.ObjectNode pr = (com.fasterxml.jackson.databind.node.ObjectNode) p.get("pull_request");
        pr.put("draft", true);
        pr.putArray("labels").addObject().put("name", "ephemeral-cluster");
        ((com.fasterxml.jackson.databind.node.ObjectNode) pr.get("head")).putObject("repo").put("full_name", "acme/shop");

        PullRequestEvent same = (PullRequestEvent) webhooks.accept(of(deliveries.deliver("pull_request", p.toString(), SECRET))).event().orElseThrow();
        assertThat(same.action()).isEqualTo(dev.ephemera.ports.codehost.PullRequestAction.LABELED);
        assertThat(same.label()).contains("ephemeral-cluster");
        assertThat(same.labels()).containsExactly("ephemeral-cluster");
        assertThat(same.draft()).isTrue();
        assertThat(same.fromFork()).isFalse();

        ((com.fasterxml.jackson.databind.node.ObjectNode) pr.get("head")).putObject("repo").put("full_name", "mallory/shop");
        PullRequestEvent fork = (PullRequestEvent) webhooks.accept(of(deliveries.deliver("pull_request", p.toString(), SECRET))).event().orElseThrow();
        assertThat(fork.fromFork()).isTrue();

        p.remove("label");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> webhooks.accept(of(deliveries.deliver("pull_request", p.toString(), SECRET)))))
                .isInstanceOf(EphemeraException.class).hasMessageContaining("label");
    }

    @Test
    @DisplayName("reads the form-encoded content type (GitHub's default for repository webhooks)")
    void formEncoded() {
        String json = deliveries.pullRequestPayload("opened", "acme/shop", 42, SHA, false, 7);
        String form = "payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
        WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", form, SECRET).withHeader("Content-Type", "application/x-www-form-urlencoded");

        assertThat(webhooks.accept(of(d)).event()).get().isInstanceOf(PullRequestEvent.class);
    }

    @Test
    @DisplayName("refuses an authentic body that is not JSON with INVALID, and does not remember it")
    void invalidJson() {
        WebhookDeliveries.Delivery d = deliveries.deliver("pull_request", "not json", SECRET);

        EphemeraException e = catchThrowableOfType(EphemeraException.class, () -> webhooks.accept(of(d)));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID);
        assertThat(catchThrowableOfType(EphemeraException.class, () -> webhooks.accept(of(d))).code()).isEqualTo(ErrorCode.INVALID);
    }
}
