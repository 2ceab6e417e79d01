package dev.mirrorflow.connector;

/**
 * Something a teardown could not remove: what it is, why it stayed, the statement that removes it
 * by hand, and whether another attempt may succeed (a busy slot, an unreachable server) rather
 * than fail the same way (a refusal).
 */
public record Leftover(String what, String because, String sql, boolean mayClearUp) {

    @Override
    public String toString() {
        return what + " (" + because + "); drop it by hand with: " + sql;
    }
}
