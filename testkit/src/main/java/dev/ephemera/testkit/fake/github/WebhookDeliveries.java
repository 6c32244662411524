package dev.ephemera.testkit.fake.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook deliveries as GitHub sends them: the {@code pull_request} payloads are built from the
 * spec's own webhook schemas and checked against them, then signed with
 * {@code X-Hub-Signature-256} the way GitHub signs (HMAC-SHA256 of the exact body bytes).
 */
public final class WebhookDeliveries {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final GitHubSpec spec;
    private final SchemaInstances instances;
    private final ObjectMapper mapper = new ObjectMapper();

    /** One delivery: headers and the body bytes to POST. */
    public record Delivery(Map<String, String> headers, byte[] body) {
        public String id() {
            return headers.get("X-GitHub-Delivery");
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The same delivery with one header replaced (e.g. a tampered signature). */
        public Delivery withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Delivery(h, body);
        }

        /** The same headers over another body (e.g. a tampered payload under the old signature). */
        public Delivery withBody(byte[] other) {
            return new Delivery(headers, other.clone());
        }
    }

    public WebhookDeliveries(GitHubSpec spec) {
        this.spec = spec;
        this.instances = new SchemaInstances(spec);
    }

    public WebhookDeliveries() {
        this(GitHubSpec.load());
    }

    /**
     * A {@code pull_request} payload for {@code action} (opened, reopened, synchronize, closed),
     * valid against the spec's schema for it.
     */
    public String pullRequestPayload(String action, String repository, int number, String headSha, boolean merged, long installationId) {
        String component = spec.webhookComponent(action);
        ObjectNode p = (ObjectNode) instances.instanceOf(component);
        String[] parts = repository.split("/");
        Map<String, JsonNode> v = new LinkedHashMap<>();
        v.put("action", F.textNode(action));
        v.put("number", F.numberNode(number));
        v.put("pull_request.number", F.numberNode(number));
        v.put("pull_request.state", F.textNode(action.equals("closed") ? "closed" : "open"));
        v.put("pull_request.merged", F.booleanNode(merged));
        v.put("pull_request.head.sha", F.textNode(headSha));
        v.put("pull_request.head.ref", F.textNode("feature/pr-" + number));
        v.put("pull_request.base.ref", F.textNode("main"));
        v.put("repository.full_name", F.textNode(repository));
        v.put("repository.name", F.textNode(parts[1]));
        v.put("repository.owner.login", F.textNode(parts[0]));
        v.put("sender.login", F.textNode("octocat"));
        v.put("installation.id", F.numberNode(installationId));
        v.put("installation.node_id", F.textNode("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u" + installationId));
        SchemaInstances.setAll(p, v);
        String json = p.toString();
        List<String> bad = spec.checkComponent(component, json);
        if (!bad.isEmpty()) {
            throw new IllegalStateException("the generated " + component + " payload breaks the spec: " + bad);
        }
        return json;
    }

    /** A {@code repository_dispatch} payload (not in the spec subset; shaped as GitHub documents it). */
    public String repositoryDispatchPayload(String eventType, String repository, Map<String, Object> clientPayload, long installationId) {
        ObjectNode p = mapper.createObjectNode();
        p.put("action", eventType).put("branch", "main");
        p.set("client_payload", mapper.valueToTree(clientPayload));
        ObjectNode repo = p.putObject("repository");
        repo.put("id", 1296269).put("full_name", repository).put("name", repository.split("/")[1]).put("private", true);
        repo.putObject("owner").put("login", repository.split("/")[0]);
        p.putObject("sender").put("login", "octocat").put("type", "User");
        p.putObject("installation").put("id", installationId).put("node_id", "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u" + installationId);
        return p.toString();
    }

    /** Signs {@code body} and wraps it as GitHub delivers it, with a fresh delivery id. */
    public Delivery deliver(String event, String body, String secret) {
        return deliver(event, body, secret, UUID.randomUUID().toString());
    }

    public Delivery deliver(String event, String body, String secret, String deliveryId) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        h.put("User-Agent", "GitHub-Hookshot/ephemera-fake");
        h.put("X-GitHub-Event", event);
        h.put("X-GitHub-Delivery", deliveryId);
        h.put("X-GitHub-Hook-ID", "123456789");
        h.put("X-Hub-Signature-256", signature(secret, bytes));
        return new Delivery(h, bytes);
    }

    /** {@code sha256=} and the hex HMAC-SHA256 of {@code body}, as GitHub computes it. */
    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
