package dev.mirrorflow.connector.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Planning against real tables: sizes from disk, densities from statistics or a sample. */
class SnapshotPlannerIT extends SnapshotFixture {

    @Test
    void shouldPlanOneOpenEndedPartitionForAnEmptyTable() throws Exception {
        execute(sourceDatabase, ORDERS_DDL);
        try (Connection source = sourceDatabase.connect()) {
            assertThat(new SnapshotPlanner(1_000).plan(source, List.of(ORDERS)))
                    .containsExactly(new SnapshotPartition.Plan("public.orders", 0, "0", ""));
        }
    }

    @Test
    void shouldCoverEveryRowOnceWithPartitionsOfAboutTheRequestedSizeWithoutStatistics() throws Exception {
        createOrders(100_000);
        try (Connection source = sourceDatabase.connect()) {
            assertThat(queryLong(source, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.orders'::regclass"))
                    .as("never analysed, so the planner has to sample").isEqualTo(-1);
            assertPartitionsCoverTheTable(source, new SnapshotPlanner(10_000).plan(source, List.of(ORDERS)), 10_000);
        }
    }

    @Test
    void shouldUseTheStatisticsOfAnAnalysedTable() throws Exception {
        createOrders(100_000);
        execute(sourceDatabase, "VACUUM ANALYZE public.orders");
        try (Connection source = sourceDatabase.connect()) {
            assertThat(SnapshotPlanner.measure(source, ORDERS).estimatedFrom()).isEqualTo("statistics");
            assertPartitionsCoverTheTable(source, new SnapshotPlanner(10_000).plan(source, List.of(ORDERS)), 10_000);
        }
    }

    @Test
    void shouldCutATableOfWideRowsIntoPartitionsOfAtMost32Megabytes() throws Exception {
        // ~2 kB rows kept in line (STORAGE PLAIN: neither compressed nor moved out), so ~120 MB of heap in 60,000 rows:
        // one partition by the default rows per partition.
        execute(sourceDatabase, "CREATE TABLE public.wide (id bigint PRIMARY KEY, payload text)");
        execute(sourceDatabase, "ALTER TABLE public.wide ALTER COLUMN payload SET STORAGE PLAIN");
        execute(sourceDatabase, "INSERT INTO public.wide SELECT i, (SELECT string_agg(md5(i::text || j::text), '')"
                + " FROM generate_series(1, 60) j) FROM generate_series(1, 60000) i");
        execute(sourceDatabase, "VACUUM ANALYZE public.wide");
        TableId wide = new TableId("public", "wide");
        try (Connection source = sourceDatabase.connect()) {
            long blocks = queryLong(source, "SELECT pg_relation_size('public.wide') / 8192");
            assertThat(blocks * 8192).as("heap bytes").isGreaterThan(3 * SnapshotPlanner.MAX_PARTITION_BYTES);
            List<SnapshotPartition.Plan> plans = new SnapshotPlanner().plan(source, List.of(wide));
            assertThat(plans).hasSize((int) ((blocks * 8192 + SnapshotPlanner.MAX_PARTITION_BYTES - 1)
                    / SnapshotPlanner.MAX_PARTITION_BYTES));
            long rows = 0;
            for (SnapshotPartition.Plan plan : plans) {
                BlockRange range = BlockRange.parse(plan.rangeStart(), plan.rangeEnd());
                if (!range.isOpenEnded()) {
                    assertThat((range.endBlock().getAsLong() - range.startBlock()) * 8192)
                            .isLessThanOrEqualTo(SnapshotPlanner.MAX_PARTITION_BYTES);
                }
                rows += queryLong(source, "SELECT count(*) FROM public.wide"
                        + (range.ctidCondition().isEmpty() ? "" : " WHERE " + range.ctidCondition()));
            }
            assertThat(rows).as("every row in exactly one partition").isEqualTo(60_000);
        }
    }

    @Test
    void shouldNameAMissingTable() throws Exception {
        try (Connection source = sourceDatabase.connect()) {
            assertThatThrownBy(() -> new SnapshotPlanner().plan(source, List.of(new TableId("public", "nope"))))
                    .isInstanceOf(SQLException.class).hasMessageContaining("public.nope does not exist");
        }
    }

    private static void assertPartitionsCoverTheTable(Connection source, List<SnapshotPartition.Plan> plans,
            long rowsPerPartition) throws SQLException {
        assertThat(plans).hasSizeBetween(5, 20);
        long blocks = queryLong(source, "SELECT pg_relation_size('public.orders') / 8192");
        long covered = 0;
        long previousEnd = 0;
        for (int i = 0; i < plans.size(); i++) {
            SnapshotPartition.Plan plan = plans.get(i);
            assertThat(plan.partitionNo()).isEqualTo(i);
            BlockRange range = BlockRange.parse(plan.rangeStart(), plan.rangeEnd());
            assertThat(range.startBlock()).as("no gap, no overlap").isEqualTo(previousEnd);
            assertThat(range.isOpenEnded()).as("only the last is open-ended").isEqualTo(i == plans.size() - 1);
            previousEnd = range.endBlock().orElse(blocks);
            String where = range.ctidCondition().isEmpty() ? "" : " WHERE " + range.ctidCondition();
            long rows = queryLong(source, "SELECT count(*) FROM public.orders" + where);
            if (!range.isOpenEnded()) {
                assertThat(rows).isBetween(rowsPerPartition / 2, rowsPerPartition * 2);
            }
            covered += rows;
        }
        assertThat(covered).isEqualTo(queryLong(source, "SELECT count(*) FROM public.orders"));
    }
}
