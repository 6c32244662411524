package dev.ephemera.ports.codehost;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One webhook request exactly as it arrived: its headers (looked up without regard to case, as
 * HTTP does) and the raw body bytes, which signatures are computed over, so they are never
 * re-serialised before verification.
 */
public final class WebhookDelivery {
    private final Map<String, String> headers;
    private final byte[] body;

    public WebhookDelivery(Map<String, String> headers, byte[] body) {
        if (body == null) {
            throw EphemeraException.invalid("a webhook delivery needs a body");
        }
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && v != null) {
                    copy.put(k, v);
                }
            });
        }
        this.headers = java.util.Collections.unmodifiableMap(copy);
        this.body = body.clone();
    }

    /** The header's value, whatever the case of its name. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** A copy of the raw body. */
    public byte[] body() {
        return body.clone();
    }

    public int bodyLength() {
        return body.length;
    }

    @Override
    public String toString() {
        return "WebhookDelivery[" + body.length + " bytes, headers=" + headers.keySet() + "]";
    }
}
