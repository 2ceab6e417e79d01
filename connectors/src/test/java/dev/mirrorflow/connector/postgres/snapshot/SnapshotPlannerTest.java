package dev.mirrorflow.connector.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SnapshotPlannerTest {

    @Test
    void shouldGiveAnEmptyTableOneOpenEndedPartition() {
        assertThat(SnapshotPlanner.split(0, 0, 250_000)).containsExactly(BlockRange.toEnd(0));
        assertThat(SnapshotPlanner.split(0, 120, 250_000)).containsExactly(BlockRange.toEnd(0));
    }

    @ParameterizedTest
    @CsvSource({
        "1, 50, 1000",
        "100, 50, 1000",
        "101, 50, 1000",
        "12345, 61.5, 5000",
        "12345, 0.01, 5000",
        "7, 300, 1",
        "1000000, 120, 250000"})
    void shouldCoverEveryBlockWithoutGapOrOverlapAndLeaveTheLastOpen(long blocks, double rowsPerBlock,
            long rowsPerPartition) {
        List<BlockRange> ranges = SnapshotPlanner.split(blocks, rowsPerBlock, rowsPerPartition);

        assertThat(ranges.get(0).startBlock()).isZero();
        for (int i = 0; i < ranges.size() - 1; i++) {
            assertThat(ranges.get(i).isOpenEnded()).isFalse();
            assertThat(ranges.get(i).endBlock().getAsLong()).isEqualTo(ranges.get(i + 1).startBlock());
        }
        BlockRange last = ranges.get(ranges.size() - 1);
        assertThat(last.isOpenEnded()).isTrue();
        assertThat(last.startBlock()).isLessThan(blocks);
    }

    @Test
    void shouldSizePartitionsByTheEstimatedRowsPerBlock() {
        // 100 rows per block and 1000 rows per partition: 10 blocks each, 95 blocks in 10 partitions.
        List<BlockRange> ranges = SnapshotPlanner.split(95, 100, 1_000);
        assertThat(ranges).hasSize(10);
        assertThat(ranges.get(0)).isEqualTo(BlockRange.closed(0, 10));
        assertThat(ranges.get(9)).isEqualTo(BlockRange.toEnd(90));
    }

    @Test
    void shouldCutATableOfWideRowsByItsBytesWhereItsRowsWouldMakeOnePartition() {
        // 35,013 blocks of ~5.7 rows: 200,000 rows, one partition by rows alone; 4,096 blocks at most.
        List<BlockRange> ranges = SnapshotPlanner.split(35_013, 5.7, 250_000, 4_096);
        assertThat(ranges).hasSize(9);
        assertThat(ranges.get(0)).isEqualTo(BlockRange.closed(0, 4_096));
        assertThat(ranges.get(8)).isEqualTo(BlockRange.toEnd(8 * 4_096));
        // Narrow rows stay cut by their rows: 250,000 rows of 76 per block are 3,290 blocks.
        assertThat(SnapshotPlanner.split(13_158, 76, 250_000, 4_096)).hasSize(4)
                .startsWith(BlockRange.closed(0, 3_290));
        assertThatThrownBy(() -> SnapshotPlanner.split(10, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNeverMakeAPartitionSmallerThanOneBlock() {
        assertThat(SnapshotPlanner.split(3, 500, 1)).containsExactly(
                BlockRange.closed(0, 1), BlockRange.closed(1, 2), BlockRange.toEnd(2));
    }

    @Test
    void shouldSelectEachRangeWithATidCondition() {
        assertThat(BlockRange.toEnd(0).ctidCondition()).isEmpty();
        assertThat(BlockRange.toEnd(40).ctidCondition()).isEqualTo("ctid >= '(40,0)'::tid");
        assertThat(BlockRange.closed(0, 10).ctidCondition()).isEqualTo("ctid < '(10,0)'::tid");
        assertThat(BlockRange.closed(10, 20).ctidCondition())
                .isEqualTo("ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid");
    }

    @Test
    void shouldRoundTripRangesThroughTheCatalogForm() {
        BlockRange closed = BlockRange.closed(10, 20);
        BlockRange open = BlockRange.toEnd(20);
        assertThat(BlockRange.parse(closed.rangeStart(), closed.rangeEnd())).isEqualTo(closed);
        assertThat(open.rangeEnd()).isEqualTo(BlockRange.OPEN_END);
        assertThat(BlockRange.parse(open.rangeStart(), open.rangeEnd())).isEqualTo(open);
        assertThatThrownBy(() -> BlockRange.parse("x", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlockRange.closed(5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
