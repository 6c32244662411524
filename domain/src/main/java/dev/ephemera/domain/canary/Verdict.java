package dev.ephemera.domain.canary;

/** What the verifier found for one canary revision. */
public enum Verdict {
    /** The test Job succeeded. */
    PASSED,
    /** The test Job was just created or is still running. */
    RUNNING,
    /** There is no E2ESpec for the canary. */
    NO_SPEC,
    /** The test Job failed. */
    FAILED
}
