package dev.ephemera.cli.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads a {@code text/event-stream} (the HTML Living Standard's Server-Sent Events) line by line:
 * {@code event:}, {@code id:} and {@code data:} fields, an empty line ends an event, lines that
 * start with {@code :} are comments (keep-alives). Only what Ephemera's server sends is needed,
 * but the rules are the standard's: several {@code data:} lines join with a newline, one space
 * after the colon is dropped, an event without data is not dispatched.
 */
public final class ServerSentEvents {
    /** One event: its type ({@code message} when the stream names none), its id, if any, and its data. */
    public record Event(String type, Optional<String> id, String data) {
    }

    private ServerSentEvents() {
    }

    /**
     * Dispatches events to {@code handler} until it answers {@code true} (the reader wants no more)
     * or the stream ends.
     *
     * @return true when the handler ended the reading, false when the stream ended first
     */
    public static boolean read(BufferedReader in, Predicate<Event> handler) throws IOException {
        String type = null;
        String id = null;
        StringBuilder data = null;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isEmpty()) {
                if (data != null) {
                    if (handler.test(new Event(type == null ? "message" : type, Optional.ofNullable(id), data.toString()))) {
                        return true;
                    }
                }
                type = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> type = value;
                case "id" -> id = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                    // retry and unknown fields: nothing Ephemera's server sends
                }
            }
        }
        return false;
    }
}
