package dev.ephemera.ports.canary;

/** Where a test Job is: only {@link #SUCCEEDED} and {@link #FAILED} are final. */
public enum JobPhase {
    /** Created and not finished: pods pending, running or retrying. */
    RUNNING,
    /** The Job has the {@code Complete} condition. */
    SUCCEEDED,
    /** The Job has the {@code Failed} condition (or was deleted before it ended). */
    FAILED;

    public boolean isFinal() {
        return this != RUNNING;
    }
}
