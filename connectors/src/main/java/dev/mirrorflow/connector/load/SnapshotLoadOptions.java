package dev.mirrorflow.connector.load;

import java.time.Duration;
import java.util.Objects;

/**
 * How an initial load runs.
 *
 * @param parallelism partitions copied at once, each by a worker with its own source and
 *     destination connection
 * @param rowsPerPartition the rows a partition should hold, estimated when planning
 * @param progressInterval the longest time the progress callback goes without a call while
 *     partitions are still running, so a heartbeat timeout shorter than one large partition is
 *     not hit
 */
public record SnapshotLoadOptions(int parallelism, long rowsPerPartition, Duration progressInterval) {

    public static final SnapshotLoadOptions DEFAULTS =
            new SnapshotLoadOptions(4, 250_000, Duration.ofSeconds(10));

    public SnapshotLoadOptions {
        Objects.requireNonNull(progressInterval, "progressInterval");
        if (parallelism < 1) {
            throw new IllegalArgumentException("snapshot parallelism must be at least 1, not " + parallelism);
        }
        if (rowsPerPartition < 1) {
            throw new IllegalArgumentException("rows per partition must be at least 1, not " + rowsPerPartition);
        }
        if (progressInterval.isNegative() || progressInterval.isZero()) {
            throw new IllegalArgumentException("progress interval must be positive, not " + progressInterval);
        }
    }

    public SnapshotLoadOptions withParallelism(int parallelism) {
        return new SnapshotLoadOptions(parallelism, rowsPerPartition, progressInterval);
    }

    public SnapshotLoadOptions withRowsPerPartition(long rowsPerPartition) {
        return new SnapshotLoadOptions(parallelism, rowsPerPartition, progressInterval);
    }
}
