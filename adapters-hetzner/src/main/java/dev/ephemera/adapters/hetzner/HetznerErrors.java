package dev.ephemera.adapters.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephemera.domain.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns Hetzner's error answers into {@link HetznerApiException}s with a code of ours and a message
 * that says what to do. The one place that knows Hetzner's error codes.
 */
final class HetznerErrors {
    /** Codes Hetzner documents as safe to retry: nothing was changed, try again shortly. */
    static final Set<String> RETRYABLE = Set.of("rate_limit_exceeded", "locked", "conflict", "server_error",
            "unavailable", "timeout", "maintenance");

    private HetznerErrors() {
    }

    static boolean retryable(String apiCode, int status) {
        return RETRYABLE.contains(apiCode) || (status >= 500 && !"service_error".equals(apiCode));
    }

    /** Hetzner's {@code error.code} of an answer, or {@code http_<status>} when it has none. */
    static String code(int status, JsonNode body) {
        JsonNode error = body == null ? null : body.path("error");
        return error != null && error.hasNonNull("code") ? error.get("code").asText() : "http_" + status;
    }

    /** Builds the exception for an error answer; {@code context} names the request, e.g. "creating server pr-1". */
    static HetznerApiException map(int status, JsonNode body, String context) {
        JsonNode error = body == null ? null : body.path("error");
        String apiCode = error != null && error.hasNonNull("code") ? error.get("code").asText() : "http_" + status;
        String apiMessage = error != null && error.hasNonNull("message") ? error.get("message").asText() : "no error body";
        String detail = details(error);
        String said = "Hetzner answered " + status + " " + apiCode + " (" + apiMessage + detail + ")";
        return switch (apiCode) {
            case "unauthorized" -> new HetznerApiException(ErrorCode.UNAUTHENTICATED, apiCode, status,
                    context + ": " + said + ". The API token in hetzner.token is wrong or revoked: create a Read & Write token "
                            + "in the Hetzner Console (project → Security → API tokens) and configure it as env:HCLOUD_TOKEN.");
            case "token_readonly" -> new HetznerApiException(ErrorCode.PERMISSION_DENIED, apiCode, status,
                    context + ": " + said + ". The token in hetzner.token is read-only: Ephemera creates and deletes servers, "
                            + "so it needs a Read & Write token.");
            case "forbidden" -> new HetznerApiException(ErrorCode.PERMISSION_DENIED, apiCode, status,
                    context + ": " + said + ". The token lacks a permission for this request; use a Read & Write project token.");
            case "resource_limit_exceeded", "server_limit_exceeded" -> new HetznerApiException(ErrorCode.LIMIT_EXCEEDED, apiCode, status,
                    context + ": " + said + ". The Hetzner project has reached a limit: delete clusters you no longer need "
                            + "(ephemera cluster list; hcloud server list -l ephemera.dev/cluster) or ask Hetzner to raise the "
                            + "project's limits (Console → project → Limits).");
            case "resource_unavailable" -> new HetznerApiException(ErrorCode.BACKEND, apiCode, status,
                    context + ": " + said + ". The server type or image cannot be ordered there right now: it may be sold out, "
                            + "or the type may be restricted for new servers in that location. Choose another location "
                            + "(hetzner.location, e.g. nbg1 or hel1) or server type (hetzner.server-type), or try again later.");
            case "invalid_input", "json_error" -> new HetznerApiException(ErrorCode.INVALID, apiCode, status,
                    context + ": " + said + ". Check the hetzner settings (server-type, image, location, ssh-keys, firewall) "
                            + "and the cluster's labels.");
            case "uniqueness_error" -> new HetznerApiException(ErrorCode.CONFLICT, apiCode, status,
                    context + ": " + said + ". A resource with that name already exists in the project.");
            case "not_found" -> new HetznerApiException(ErrorCode.NOT_FOUND, apiCode, status, context + ": " + said + ".");
            case "protected" -> new HetznerApiException(ErrorCode.CONFLICT, apiCode, status,
                    context + ": " + said + ". Delete protection is on for this resource: turn it off in the Hetzner Console "
                            + "(or hcloud server disable-protection) and try again.");
            case "rate_limit_exceeded" -> new HetznerApiException(ErrorCode.RATE_LIMITED, apiCode, status,
                    context + ": " + said + ". The project's API budget (3,600 requests per hour) is used up and the bounded "
                            + "wait ran out; other tools may share this project's token budget. Try again in a few minutes.");
            case "locked", "conflict", "server_error", "unavailable", "timeout", "maintenance" ->
                    new HetznerApiException(ErrorCode.UNAVAILABLE, apiCode, status,
                            context + ": " + said + ". Retries ran out; try again later.");
            case "deprecated_api_endpoint" -> new HetznerApiException(ErrorCode.BACKEND, apiCode, status,
                    context + ": " + said + ". Hetzner removed this API; upgrade Ephemera.");
            default -> new HetznerApiException(status >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.BACKEND, apiCode, status,
                    context + ": " + said + ".");
        };
    }

    /** Field messages of {@code invalid_input}, limit names of {@code resource_limit_exceeded}. */
    private static String details(JsonNode error) {
        if (error == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode field : error.path("details").path("fields")) {
            StringBuilder sb = new StringBuilder(field.path("name").asText("?"));
            List<String> messages = new ArrayList<>();
            field.path("messages").forEach(m -> messages.add(m.asText()));
            if (!messages.isEmpty()) {
                sb.append(": ").append(String.join("; ", messages));
            }
            parts.add(sb.toString());
        }
        for (JsonNode limit : error.path("details").path("limits")) {
            parts.add("limit " + limit.path("name").asText("?"));
        }
        return parts.isEmpty() ? "" : "; " + String.join(", ", parts);
    }
}
