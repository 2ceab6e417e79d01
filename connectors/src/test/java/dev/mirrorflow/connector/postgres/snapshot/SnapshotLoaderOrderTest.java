package dev.mirrorflow.connector.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.SnapshotPartition;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotLoaderOrderTest {

    @Test
    void shouldStartWithTheLargestPartitionsAndInterleaveTables() {
        List<SnapshotPartition> planned = List.of(
                partition("public.narrow", 0, "0", "10"),
                partition("public.narrow", 1, "10", "20"),
                partition("public.narrow", 2, "20", ""),
                partition("public.wide", 0, "0", "100"),
                partition("public.wide", 1, "100", ""),
                partition("public.tiny", 0, "0", ""));

        assertThat(SnapshotLoader.copyOrder(planned))
                .extracting(p -> p.tableName() + "#" + p.partitionNo())
                .containsExactly("public.wide#0", "public.narrow#0", "public.tiny#0",
                        "public.wide#1", "public.narrow#1", "public.narrow#2");
    }

    @Test
    void shouldKeepEveryPartitionExactlyOnce() {
        List<SnapshotPartition> planned = List.of(
                partition("a.t", 0, "0", "5"), partition("a.t", 1, "5", "7"), partition("a.t", 2, "7", ""),
                partition("b.t", 0, "0", "3"));
        assertThat(SnapshotLoader.copyOrder(planned)).containsExactlyInAnyOrderElementsOf(planned);
    }

    private static SnapshotPartition partition(String table, int no, String start, String end) {
        return new SnapshotPartition(1, 1, table, no, start, end, SnapshotPartition.State.PENDING, 0, 0, null, null);
    }
}
