package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.catalog.SnapshotPartition;
import java.util.OptionalLong;

/**
 * A range of heap blocks {@code [startBlock, endBlock)} of one table, read through a TID range
 * scan. The last range of a table has no end, so rows that land in blocks added after planning
 * (the table grew while the load ran) are still read by someone.
 */
public record BlockRange(long startBlock, OptionalLong endBlock) {

    /** How the catalog stores "to the end of the table" in {@code range_end}. */
    public static final String OPEN_END = "";

    public BlockRange {
        if (startBlock < 0) {
            throw new IllegalArgumentException("start block " + startBlock + " is negative");
        }
        if (endBlock.isPresent() && endBlock.getAsLong() <= startBlock) {
            throw new IllegalArgumentException(
                    "block range [" + startBlock + ", " + endBlock.getAsLong() + ") is empty");
        }
    }

    public static BlockRange closed(long startBlock, long endBlock) {
        return new BlockRange(startBlock, OptionalLong.of(endBlock));
    }

    public static BlockRange toEnd(long startBlock) {
        return new BlockRange(startBlock, OptionalLong.empty());
    }

    /** The range a planned partition covers, as the catalog stores it. */
    public static BlockRange of(SnapshotPartition partition) {
        return parse(partition.rangeStart(), partition.rangeEnd());
    }

    static BlockRange parse(String rangeStart, String rangeEnd) {
        try {
            long start = Long.parseLong(rangeStart);
            return OPEN_END.equals(rangeEnd) ? toEnd(start) : closed(start, Long.parseLong(rangeEnd));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a ctid block range: [" + rangeStart + ", " + rangeEnd + ")", e);
        }
    }

    public boolean isOpenEnded() {
        return endBlock.isEmpty();
    }

    public String rangeStart() {
        return Long.toString(startBlock);
    }

    public String rangeEnd() {
        return endBlock.isPresent() ? Long.toString(endBlock.getAsLong()) : OPEN_END;
    }

    /**
     * The condition that selects this range's rows, or an empty string when the range is the
     * whole table. Comparing {@code ctid} with {@code tid} constants is what lets PostgreSQL 14+
     * plan a TID Range Scan that reads only these blocks.
     */
    public String ctidCondition() {
        String lower = "ctid >= '(" + startBlock + ",0)'::tid";
        if (endBlock.isEmpty()) {
            return startBlock == 0 ? "" : lower;
        }
        String upper = "ctid < '(" + endBlock.getAsLong() + ",0)'::tid";
        return startBlock == 0 ? upper : lower + " AND " + upper;
    }

    @Override
    public String toString() {
        return "blocks [" + startBlock + ", " + (endBlock.isPresent() ? Long.toString(endBlock.getAsLong()) : "end") + ")";
    }
}
