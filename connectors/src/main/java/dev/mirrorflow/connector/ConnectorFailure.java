package dev.mirrorflow.connector;

/**
 * A failure a connector has understood: its message is the one line a user reads on the mirror
 * (what is wrong and what to do), {@link #type()} names the kind for Temporal's retry policy, and
 * {@link #retryable()} says whether trying again can succeed without anyone changing anything.
 * Activities turn these into Temporal failures as they are; anything else a connector throws is
 * retried as an unexpected failure.
 */
public interface ConnectorFailure {

    String getMessage();

    /** The failure type recorded in Temporal, e.g. {@code SourceConfiguration}. */
    String type();

    boolean retryable();

    /**
     * Why a piece a teardown could not remove stayed, when the failure knows better than its
     * message's first clause (a busy slot names who holds it).
     */
    default java.util.Optional<String> leftoverReason() {
        return java.util.Optional.empty();
    }
}
