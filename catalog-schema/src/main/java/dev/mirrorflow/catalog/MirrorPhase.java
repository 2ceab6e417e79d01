package dev.mirrorflow.catalog;

/** The phases a mirror is recorded in. The names are stored in the catalog: do not rename. */
public enum MirrorPhase {
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
