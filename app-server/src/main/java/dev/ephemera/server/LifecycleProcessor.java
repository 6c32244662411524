package dev.ephemera.server;

import dev.ephemera.application.lifecycle.LifecycleSettings;
import dev.ephemera.application.lifecycle.PullRequestLifecycle;
import dev.ephemera.bootstrap.Ephemera;
import dev.ephemera.ports.codehost.CodeHostEvent;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull request lifecycle as the server runs it: when {@code lifecycle.repositories} lists
 * any repository, verified GitHub deliveries are stored durably before the webhook answers
 * ({@link #inbox()}), and the processor runs with the server (the server runs the cluster driver). With no
 * repository listed (the default) nothing is stored or started, and deliveries are only
 * acknowledged, as before.
 */
public final class LifecycleProcessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);

    private final Ephemera ephemera;
    private final boolean enabled;
    private volatile PullRequestLifecycle lifecycle;

    public LifecycleProcessor(Ephemera ephemera) {
        this.ephemera = ephemera;
        this.enabled = !ephemera.get(LifecycleSettings.class).repositories().isEmpty();
    }

    /** Starts the processor, which first takes what was pending before a restart; the server starts the driver. */
    public void start() {
        if (!enabled) {
            LOG.info("pull request lifecycle off: lifecycle.repositories lists no repository");
            return;
        }
        PullRequestLifecycle l = ephemera.get(PullRequestLifecycle.class);
        l.start();
        lifecycle = l;
        LOG.info("pull request lifecycle started repositories={}", ephemera.get(LifecycleSettings.class).repositories());
    }

    /**
     * Where the webhook hands verified events, on a worker thread, before answering: stores them
     * durably; a failure to store reaches the webhook, which then does not answer 2xx.
     */
    public Consumer<CodeHostEvent> inbox() {
        return event -> {
            if (enabled) {
                ephemera.get(PullRequestLifecycle.class).accept(event);
            }
        };
    }

    public boolean enabled() {
        return enabled;
    }

    @Override
    public void close() {
        PullRequestLifecycle l = lifecycle;
        if (l != null) {
            l.close();
            lifecycle = null;
        }
    }
}
