package dev.ephemera.ports.codehost;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code repository_dispatch} event: a workflow or tool asked for something by name.
 *
 * @param eventType         the dispatch's {@code event_type} (GitHub sends it as the payload's {@code action})
 * @param clientPayloadJson the dispatch's {@code client_payload} as JSON text, {@code {}} when absent
 * @param payloadFields     the top-level scalar fields of {@code client_payload} as text (numbers
 *                          and booleans written as JSON writes them), e.g. seed 003's
 *                          {@code pr_number}, {@code repository}, {@code branch}
 */
public record RepositoryDispatchEvent(String deliveryId, String repository, String eventType, String clientPayloadJson,
                                      String sender, Optional<Long> installationId, Map<String, String> payloadFields)
        implements CodeHostEvent {

    /** A dispatch whose payload fields are not broken out. */
    public RepositoryDispatchEvent(String deliveryId, String repository, String eventType, String clientPayloadJson,
                                   String sender, Optional<Long> installationId) {
        this(deliveryId, repository, eventType, clientPayloadJson, sender, installationId, Map.of());
    }

    public RepositoryDispatchEvent {
        Objects.requireNonNull(deliveryId, "deliveryId");
        Objects.requireNonNull(repository, "repository");
        if (eventType == null || eventType.isBlank()) {
            throw new IllegalArgumentException("a repository_dispatch event needs an event type");
        }
        clientPayloadJson = clientPayloadJson == null || clientPayloadJson.isBlank() ? "{}" : clientPayloadJson;
        sender = sender == null ? "" : sender;
        installationId = installationId == null ? Optional.empty() : installationId;
        payloadFields = payloadFields == null ? Map.of() : Map.copyOf(payloadFields);
    }
}
