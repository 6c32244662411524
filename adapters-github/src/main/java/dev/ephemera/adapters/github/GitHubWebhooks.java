package dev.ephemera.adapters.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.secret.Secret;
import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.CodeHostWebhooks;
import dev.ephemera.ports.codehost.PullRequestAction;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.codehost.WebhookDelivery;
import dev.ephemera.ports.codehost.WebhookOutcome;
import dev.ephemera.ports.codehost.WebhookOutcome.Disposition;
import dev.ephemera.ports.spi.Health;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Verifies GitHub webhook deliveries ({@code X-Hub-Signature-256} over the raw body, compared in
 * constant time), recognises redeliveries by {@code X-GitHub-Delivery}, and parses
 * {@code pull_request} (opened, reopened, synchronize, closed, ready_for_review, converted_to_draft,
 * labeled, unlabeled) and {@code repository_dispatch}.
 * Order matters: nothing is parsed or remembered before the signature holds, and a delivery id
 * is remembered only once its body has been understood.
 */
final class GitHubWebhooks implements CodeHostWebhooks {
    private final Secret secret;
    private final RecentDeliveries recent;
    private final ObjectMapper mapper = new ObjectMapper();

    GitHubWebhooks(Secret secret, int remembered) {
        this.secret = secret;
        this.recent = new RecentDeliveries(remembered);
    }

    @Override
    public WebhookOutcome accept(WebhookDelivery delivery) {
        byte[] body = delivery.body();
        Optional<String> signature = delivery.header("X-Hub-Signature-256");
        if (signature.isEmpty()) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "the delivery has no X-Hub-Signature-256 header: give the webhook a secret in GitHub,"
                    + " the same as github.webhook-secret");
        }
        if (!WebhookSignature.verify(secret, body, signature.get())) {
            throw new EphemeraException(ErrorCode.UNAUTHENTICATED, "the delivery's X-Hub-Signature-256 does not match its body:"
                    + " the webhook's secret in GitHub differs from github.webhook-secret, or the body was altered on the way");
        }
        String id = delivery.header("X-GitHub-Delivery").map(String::trim).filter(s -> !s.isEmpty())
                .orElseThrow(() -> EphemeraException.invalid("the delivery has no X-GitHub-Delivery header"));
        String event = delivery.header("X-GitHub-Event").map(String::trim).filter(s -> !s.isEmpty())
                .orElseThrow(() -> EphemeraException.invalid("the delivery has no X-GitHub-Event header"));
        if (recent.contains(id)) {
            return new WebhookOutcome(Disposition.DUPLICATE, id, event, Optional.empty(), "redelivery of " + id);
        }
        Parsed parsed = parse(id, event, jsonBytes(delivery, body));
        if (!recent.add(id)) {
            return new WebhookOutcome(Disposition.DUPLICATE, id, event, Optional.empty(), "redelivery of " + id);
        }
        return parsed.event().isPresent()
                ? new WebhookOutcome(Disposition.ACCEPTED, id, event, parsed.event(), parsed.detail())
                : new WebhookOutcome(Disposition.IGNORED, id, event, Optional.empty(), parsed.detail());
    }

    @Override
    public Health health() {
        return Health.up("GitHub webhook verification, remembering " + recent.size() + " recent deliveries");
    }

    private record Parsed(Optional<CodeHostEvent> event, String detail) {
    }

    private Parsed parse(String id, String event, byte[] body) {
        switch (event) {
            case "pull_request":
                return pullRequest(id, json(event, body));
            case "repository_dispatch":
                return dispatch(id, json(event, body));
            case "ping":
                return new Parsed(Optional.empty(), "ping: the webhook works");
            default:
                return new Parsed(Optional.empty(), "event " + event + " is not one Ephemera acts on");
        }
    }

    private Parsed pullRequest(String id, JsonNode p) {
        String action = text(p, "action");
        PullRequestAction a;
        switch (action) {
            case "opened" -> a = PullRequestAction.OPENED;
            case "reopened" -> a = PullRequestAction.REOPENED;
            case "synchronize" -> a = PullRequestAction.SYNCHRONIZE;
            case "closed" -> a = PullRequestAction.CLOSED;
            case "ready_for_review" -> a = PullRequestAction.READY_FOR_REVIEW;
            case "converted_to_draft" -> a = PullRequestAction.CONVERTED_TO_DRAFT;
            case "labeled" -> a = PullRequestAction.LABELED;
            case "unlabeled" -> a = PullRequestAction.UNLABELED;
            default -> {
                return new Parsed(Optional.empty(), "pull_request." + action + " is not an action Ephemera acts on");
            }
        }
        JsonNode pr = p.path("pull_request");
        int number = p.path("number").isIntegralNumber() ? p.path("number").asInt() : pr.path("number").asInt(0);
        String repo = text(p.path("repository"), "full_name");
        boolean merged = a == PullRequestAction.CLOSED && pr.path("merged").asBoolean(false);
        PullRequestEvent e;
        try {
            e = new PullRequestEvent(id, repo, number, a, merged, pr.path("head").path("sha").asText(""),
                    pr.path("head").path("ref").asText(""), pr.path("base").path("ref").asText(""),
                    p.path("sender").path("login").asText(""), installation(p), labels(pr),
                    Optional.of(p.path("label").path("name").asText("")).filter(s -> !s.isEmpty()), fromFork(pr, repo),
                    pr.path("draft").asBoolean(false));
        } catch (EphemeraException | IllegalArgumentException ex) {
            throw EphemeraException.invalid("the pull_request delivery " + id + " is not usable: " + ex.getMessage());
        }
        return new Parsed(Optional.of(e), "pull_request." + action + (merged ? " (merged)" : "") + " " + repo + "#" + number);
    }

    private static java.util.Set<String> labels(JsonNode pr) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        pr.path("labels").forEach(l -> {
            if (l.path("name").isTextual()) {
                out.add(l.path("name").asText());
            }
        });
        return out;
    }

    /** A head repository other than the base one, or none known (deleted fork): treated as a fork. */
    private static boolean fromFork(JsonNode pr, String repo) {
        JsonNode head = pr.path("head").path("repo").path("full_name");
        return !head.isTextual() || !head.asText().equalsIgnoreCase(repo);
    }

    private Parsed dispatch(String id, JsonNode p) {
        String type = text(p, "action");
        String repo = text(p.path("repository"), "full_name");
        JsonNode payload = p.path("client_payload");
        RepositoryDispatchEvent e;
        try {
            java.util.Map<String, String> fields = new java.util.TreeMap<>();
            if (payload.isObject()) {
                payload.fields().forEachRemaining(f -> {
                    if (f.getValue().isValueNode() && !f.getValue().isNull()) {
                        fields.put(f.getKey(), f.getValue().asText());
                    }
                });
            }
            e = new RepositoryDispatchEvent(id, repo, type, payload.isObject() ? mapper.writeValueAsString(payload) : "{}",
                    p.path("sender").path("login").asText(""), installation(p), fields);
        } catch (IOException | IllegalArgumentException ex) {
            throw EphemeraException.invalid("the repository_dispatch delivery " + id + " is not usable: " + ex.getMessage());
        }
        return new Parsed(Optional.of(e), "repository_dispatch." + type + " " + repo);
    }

    /**
     * The JSON of the delivery. GitHub's default content type for repository webhooks is
     * {@code application/x-www-form-urlencoded}: then the JSON is the {@code payload} field.
     */
    private static byte[] jsonBytes(WebhookDelivery delivery, byte[] body) {
        String type = delivery.header("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/x-www-form-urlencoded")) {
            return body;
        }
        for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
            if (pair.startsWith("payload=")) {
                try {
                    return URLDecoder.decode(pair.substring("payload=".length()), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw EphemeraException.invalid("the form-encoded delivery's payload is not valid URL encoding");
                }
            }
        }
        throw EphemeraException.invalid("the form-encoded delivery has no payload field");
    }

    private static Optional<Long> installation(JsonNode p) {
        JsonNode id = p.path("installation").path("id");
        return id.isIntegralNumber() ? Optional.of(id.asLong()) : Optional.empty();
    }

    private JsonNode json(String event, byte[] body) {
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || !n.isObject()) {
                throw EphemeraException.invalid("the " + event + " delivery's body is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw EphemeraException.invalid("the " + event + " delivery's body is not JSON (is the webhook's content type application/json?)");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw EphemeraException.invalid("the delivery has no '" + field + "'");
        }
        return v.asText();
    }
}
