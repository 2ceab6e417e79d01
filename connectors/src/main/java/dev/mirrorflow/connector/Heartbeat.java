package dev.mirrorflow.connector;

/**
 * How a connector doing long work (a load, a stream, waiting for the source) tells whoever runs
 * it that it is alive, and hears that it should stop. In a worker this is the Temporal activity's
 * heartbeat: without beats the activity is taken over by another worker after its heartbeat
 * timeout. Beats come from the thread that runs the work and are throttled by the
 * implementation; {@link #stopRequested()} may be asked from any thread.
 */
public interface Heartbeat {

    /** Alive, with what is shown as the progress so far (null for none). */
    void beat(Object details);

    /** Whether the work should end at its next boundary (a pause, a drop, a cancelled activity). */
    boolean stopRequested();

    /**
     * Runs {@code action} once the stop is requested, on whichever thread hears of it (at once if
     * it already was), so that work waiting for something else can look at {@link
     * #stopRequested()} then rather than at its next tick. The last action given replaces any
     * earlier one. This default never runs it: work then sees the stop at its next tick.
     */
    default void onStopRequested(Runnable action) {}

    /** A heartbeat nobody listens to, for tools and tests. */
    Heartbeat NONE = new Heartbeat() {
        @Override
        public void beat(Object details) {}

        @Override
        public boolean stopRequested() {
            return false;
        }
    };
}
