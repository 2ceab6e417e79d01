package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How a mirror's initial load copies its tables: each table is cut into partitions of about
 * {@code rowsPerPartition} rows, and up to {@code parallelism} partitions are copied at once.
 *
 * <p>The JSON property names are stored in the catalog and carried in Temporal histories: do
 * not rename them.
 *
 * @param rowsPerPartition rows per partition; default {@value #DEFAULT_ROWS_PER_PARTITION},
 *     from {@value #MIN_ROWS_PER_PARTITION} to {@value #MAX_ROWS_PER_PARTITION}. Smaller
 *     partitions lose less work on a restart; larger ones cost fewer catalog writes.
 * @param parallelism partitions copied at the same time across all tables; default {@value
 *     #DEFAULT_PARALLELISM}, from {@value #MIN_PARALLELISM} to {@value #MAX_PARALLELISM}
 */
@JsonPropertyOrder({"rowsPerPartition", "parallelism"})
public record SnapshotSpec(
        @JsonProperty("rowsPerPartition") long rowsPerPartition,
        @JsonProperty("parallelism") int parallelism) {

    public static final long DEFAULT_ROWS_PER_PARTITION = 250_000;
    public static final long MIN_ROWS_PER_PARTITION = 1_000;
    public static final long MAX_ROWS_PER_PARTITION = 100_000_000;
    public static final int DEFAULT_PARALLELISM = 4;
    public static final int MIN_PARALLELISM = 1;
    public static final int MAX_PARALLELISM = 64;

    /** The settings used when a spec says nothing about the initial load. */
    public static final SnapshotSpec DEFAULTS = new SnapshotSpec(DEFAULT_ROWS_PER_PARTITION, DEFAULT_PARALLELISM);

    public SnapshotSpec {
        if (rowsPerPartition < MIN_ROWS_PER_PARTITION || rowsPerPartition > MAX_ROWS_PER_PARTITION) {
            throw new IllegalArgumentException("snapshot rowsPerPartition " + rowsPerPartition
                    + " is not between " + MIN_ROWS_PER_PARTITION + " and " + MAX_ROWS_PER_PARTITION);
        }
        if (parallelism < MIN_PARALLELISM || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("snapshot parallelism " + parallelism
                    + " is not between " + MIN_PARALLELISM + " and " + MAX_PARALLELISM);
        }
    }

    /**
     * Reads the stored form, where a missing property takes its default so that specs stored
     * before a property existed still read.
     */
    @JsonCreator
    static SnapshotSpec fromStored(
            @JsonProperty("rowsPerPartition") Long rowsPerPartition,
            @JsonProperty("parallelism") Integer parallelism) {
        return new SnapshotSpec(
                rowsPerPartition == null ? DEFAULT_ROWS_PER_PARTITION : rowsPerPartition,
                parallelism == null ? DEFAULT_PARALLELISM : parallelism);
    }
}
