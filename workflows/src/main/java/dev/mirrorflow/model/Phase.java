package dev.mirrorflow.model;

/**
 * The phases of a mirror. The names are stored in workflow histories and in the catalog: do
 * not rename.
 */
public enum Phase {
    CREATED,
    SETUP,
    SNAPSHOT,
    RUNNING,
    PAUSING,
    PAUSED,
    COMPLETED,
    TERMINATED,
    FAILED;

    public boolean isTerminal() {
        return this == COMPLETED || this == TERMINATED || this == FAILED;
    }
}
