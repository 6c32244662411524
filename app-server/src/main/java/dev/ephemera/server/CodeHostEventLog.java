package dev.ephemera.server;

import dev.ephemera.ports.codehost.CodeHostEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where verified code host events go: the most recent ones are kept in memory (bounded), and
 * each is handed to whoever subscribed. The pull request lifecycle subscribes here once it
 * exists; until then events are validated, recorded and acknowledged.
 */
public final class CodeHostEventLog {
    private static final Logger LOG = LoggerFactory.getLogger(CodeHostEventLog.class);

    private final int capacity;
    private final ArrayDeque<CodeHostEvent> recent;
    private final List<Consumer<CodeHostEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final Consumer<CodeHostEvent> durable;

    public CodeHostEventLog(int capacity) {
        this(capacity, e -> { });
    }

    /** @param durable stores each event before anything else; its failure is passed back, so the webhook does not answer 2xx */
    public CodeHostEventLog(int capacity, Consumer<CodeHostEvent> durable) {
        this.durable = java.util.Objects.requireNonNull(durable, "durable");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /**
     * Stores the event durably (a failure is thrown), keeps it and hands it to each subscriber (a
     * subscriber's failure is logged, never passed back to GitHub). May block: call it off the event loop.
     */
    public void record(CodeHostEvent event) {
        durable.accept(event);
        synchronized (recent) {
            if (recent.size() == capacity) {
                recent.removeFirst();
            }
            recent.addLast(event);
        }
        for (Consumer<CodeHostEvent> s : subscribers) {
            try {
                s.accept(event);
            } catch (RuntimeException e) {
                LOG.error("code host event subscriber failed delivery={} repository={}", event.deliveryId(), event.repository(), e);
            }
        }
    }

    /** Adds a subscriber; it is called on a worker thread, once per new event, and must not block for long. */
    public void subscribe(Consumer<CodeHostEvent> subscriber) {
        subscribers.add(subscriber);
    }

    /** The most recent events, oldest first. */
    public List<CodeHostEvent> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
