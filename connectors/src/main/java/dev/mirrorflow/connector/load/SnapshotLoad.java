package dev.mirrorflow.connector.load;

import java.util.Objects;

/**
 * Which initial load this is: the mirror (its catalog id, and its name, which the destination
 * markers carry because the destination does not know catalog ids) and the load generation,
 * which a resync increments so that a new load starts from nothing.
 */
public record SnapshotLoad(long mirrorId, String mirrorName, int loadGeneration) {

    public SnapshotLoad {
        Objects.requireNonNull(mirrorName, "mirrorName");
        if (loadGeneration < 1) {
            throw new IllegalArgumentException("load generation must be at least 1, not " + loadGeneration);
        }
    }

    @Override
    public String toString() {
        return "initial load " + loadGeneration + " of mirror " + mirrorName;
    }
}
