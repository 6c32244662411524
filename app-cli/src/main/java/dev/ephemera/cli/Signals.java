package dev.ephemera.cli;

/**
 * Turns SIGTERM and SIGINT into a callback, so the server can stop gracefully and the process
 * exit 0 instead of the JVM's 143. Falls back to a shutdown hook where signals cannot be caught.
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("restriction")
    static void onTermination(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> action.run());
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> action.run());
        } catch (IllegalArgumentException | LinkageError e) {
            Runtime.getRuntime().addShutdownHook(new Thread(action, "ephemera-shutdown"));
        }
    }
}
