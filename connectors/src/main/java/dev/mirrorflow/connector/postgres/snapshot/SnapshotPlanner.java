package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits source tables into ctid block ranges of about {@code rowsPerPartition} rows each, and of
 * at most {@value #MAX_PARTITION_BYTES} bytes of heap each.
 *
 * <p>The byte bound keeps a table of wide rows from loading on one stream: at the default 250,000
 * rows, bench/snapshot.sh's 280 MB table of 200,000 rows was one partition, still copying alone
 * 2.4 s after the other table's partitions were done; cut into 32 MB pieces it spreads over all
 * the load's streams. Heap blocks leave out what is stored out of line (TOAST), so a table of
 * large values still gets partitions larger than the bound.
 *
 * <p>The block count comes from the relation's size on disk, which is exact at planning time;
 * the rows per block come from the statistics ({@code reltuples / relpages}) when the table has
 * been analysed, and from counting the rows of a few spread-out block windows when it has not.
 * An estimate that is off only makes partitions larger or smaller: every block is covered either
 * way, because the ranges are contiguous and the last one is open-ended.
 *
 * <p>A relation without storage of its own (a partitioned table's parent) measures zero blocks
 * and gets the single partition "everything", which reads all its partitions in one stream.
 */
public final class SnapshotPlanner {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPlanner.class);

    public static final long DEFAULT_ROWS_PER_PARTITION = 250_000;

    /** The most heap one partition reads, whatever its rows. */
    public static final long MAX_PARTITION_BYTES = 32L << 20;

    /** Block windows counted when a table has no statistics, and the blocks in each. */
    private static final int SAMPLE_WINDOWS = 8;
    private static final long SAMPLE_WINDOW_BLOCKS = 8;

    /**
     * The density assumed when the sample finds no rows at all: dense enough that a table which
     * is really full (the sample was unlucky) still gets partitions of a sane size, and a table
     * that is really empty costs only a few cheap, empty partitions.
     */
    private static final double DENSITY_WHEN_UNKNOWN = 100.0;

    private final long rowsPerPartition;

    public SnapshotPlanner(long rowsPerPartition) {
        if (rowsPerPartition < 1) {
            throw new IllegalArgumentException("rows per partition must be at least 1, not " + rowsPerPartition);
        }
        this.rowsPerPartition = rowsPerPartition;
    }

    public SnapshotPlanner() {
        this(DEFAULT_ROWS_PER_PARTITION);
    }

    /**
     * Plans the partitions of the given tables, numbered from 0 per table; each partition's table
     * name is {@link TableId#toString()}, the name the catalog and the destination markers use.
     *
     * @throws SQLException when a table is missing or its size cannot be read
     */
    public List<SnapshotPartition.Plan> plan(Connection source, List<TableId> tables) throws SQLException {
        List<SnapshotPartition.Plan> plans = new ArrayList<>();
        for (TableId table : tables) {
            TableSize size = measure(source, table);
            List<BlockRange> ranges = split(size.blocks(), size.rowsPerBlock(), rowsPerPartition,
                    Math.max(1, MAX_PARTITION_BYTES / size.blockSize()));
            log.info("planned {} partition(s) for {}: {} blocks, about {} rows per block ({})",
                    ranges.size(), table, size.blocks(), String.format("%.1f", size.rowsPerBlock()), size.estimatedFrom());
            for (int i = 0; i < ranges.size(); i++) {
                BlockRange r = ranges.get(i);
                plans.add(new SnapshotPartition.Plan(table.toString(), i, r.rangeStart(), r.rangeEnd()));
            }
        }
        return plans;
    }

    /**
     * Cuts {@code blocks} blocks into contiguous ranges of about {@code rowsPerPartition} rows.
     * The ranges start at block 0, touch without gap or overlap, and the last is open-ended; an
     * empty table gets the single range "everything".
     */
    public static List<BlockRange> split(long blocks, double rowsPerBlock, long rowsPerPartition) {
        return split(blocks, rowsPerBlock, rowsPerPartition, Long.MAX_VALUE);
    }

    /** Like {@link #split(long, double, long)}, each range also at most {@code maxBlocksPerPartition} blocks. */
    public static List<BlockRange> split(long blocks, double rowsPerBlock, long rowsPerPartition,
            long maxBlocksPerPartition) {
        if (blocks < 0) {
            throw new IllegalArgumentException("a table cannot have " + blocks + " blocks");
        }
        if (maxBlocksPerPartition < 1) {
            throw new IllegalArgumentException("a partition needs at least 1 block, not " + maxBlocksPerPartition);
        }
        double density = rowsPerBlock > 0 ? rowsPerBlock : DENSITY_WHEN_UNKNOWN;
        long blocksPerPartition = Math.min(maxBlocksPerPartition,
                Math.max(1, (long) Math.ceil(rowsPerPartition / density)));
        long partitions = Math.max(1, (blocks + blocksPerPartition - 1) / blocksPerPartition);
        List<BlockRange> ranges = new ArrayList<>();
        for (long i = 0; i < partitions - 1; i++) {
            ranges.add(BlockRange.closed(i * blocksPerPartition, (i + 1) * blocksPerPartition));
        }
        ranges.add(BlockRange.toEnd((partitions - 1) * blocksPerPartition));
        return ranges;
    }

    record TableSize(long blocks, double rowsPerBlock, String estimatedFrom, long blockSize) {}

    static TableSize measure(Connection source, TableId table) throws SQLException {
        long blocks;
        int relpages;
        double reltuples;
        long blockSize;
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.relpages, c.reltuples,"
                        + " current_setting('block_size')::bigint"
                        + " FROM pg_class c WHERE c.oid = to_regclass(?)")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("source table " + table + " does not exist; create it or remove it"
                            + " from the mirror's table mappings", "42P01");
                }
                blocks = rs.getLong(1);
                relpages = rs.getInt(2);
                reltuples = rs.getDouble(3);
                blockSize = rs.getLong(4);
            }
        }
        // reltuples is -1 for a table never vacuumed or analysed (PostgreSQL 14+), 0 for one seen empty.
        if (relpages > 0 && reltuples > 0) {
            return new TableSize(blocks, reltuples / relpages, "statistics", blockSize);
        }
        if (blocks == 0) {
            return new TableSize(0, 0, "empty", blockSize);
        }
        return new TableSize(blocks, sampleRowsPerBlock(source, table, blocks), "sample", blockSize);
    }

    /** Counts the rows in a few block windows spread over the table, each read by a TID range scan. */
    private static double sampleRowsPerBlock(Connection source, TableId table, long blocks) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT coalesce(sum(n), 0) FROM (");
        long sampled = 0;
        long previousEnd = 0;
        for (int w = 0; w < SAMPLE_WINDOWS; w++) {
            long start = Math.max(previousEnd, blocks * w / SAMPLE_WINDOWS);
            long end = Math.min(blocks, start + SAMPLE_WINDOW_BLOCKS);
            if (start >= end) {
                continue;
            }
            if (sampled > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append("SELECT count(*) AS n FROM ").append(table.quoted()).append(" WHERE ")
                    .append(BlockRange.closed(start, end).ctidCondition());
            sampled += end - start;
            previousEnd = end;
        }
        sql.append(") AS windows");
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            rs.next();
            return (double) rs.getLong(1) / sampled;
        }
    }
}
