package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * One partition of a mirror's initial load: a range of one source table. For PostgreSQL the
 * range is a ctid block range [rangeStart, rangeEnd).
 */
public record SnapshotPartition(
        long mirrorId,
        int loadGeneration,
        String tableName,
        int partitionNo,
        String rangeStart,
        String rangeEnd,
        State state,
        long rowsCopied,
        long bytesCopied,
        Instant startedAt,
        Instant finishedAt) {

    /** Stored names: do not rename. */
    public enum State {
        PENDING,
        RUNNING,
        DONE
    }

    /** A partition to be planned. */
    public record Plan(String tableName, int partitionNo, String rangeStart, String rangeEnd) {}

    /** How far a load is: partitions and rows done of those planned. */
    public record Progress(int partitionsTotal, int partitionsDone, long rowsCopied, long bytesCopied) {

        public boolean isComplete() {
            return partitionsTotal > 0 && partitionsDone == partitionsTotal;
        }
    }
}
