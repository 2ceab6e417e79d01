package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.PartitionCopy;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.SnapshotLoad;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SnapshotPartition;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Restarts of the initial load: what is done stays done, what is missing is copied once. */
class SnapshotLoadResumeIT extends SnapshotFixture {

    @Test
    void shouldResumeOnlyTheUnfinishedPartitionsAfterACrash() throws Exception {
        createOrders(60_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            IllegalStateException crash = new IllegalStateException("worker killed");
            SnapshotProgressListener crashAfterFive = progress -> {
                if (progress.partitionsDone() == 5) {
                    throw crash;
                }
            };
            assertThatThrownBy(() -> loader(4, 2_000).run(load, List.of(orders), Optional.empty(), crashAfterFive,
                    () -> false)).isSameAs(crash);

            SnapshotPartition.Progress afterCrash = catalog.snapshotPartitions().progress(load.mirrorId(), 1);
            assertThat(afterCrash.partitionsDone()).isBetween(5, afterCrash.partitionsTotal() - 1);
            Set<Integer> unfinished = partitionsOf(load).stream().filter(p -> p.state() != SnapshotPartition.State.DONE)
                    .map(SnapshotPartition::partitionNo).collect(Collectors.toSet());
            Map<Integer, String> markersAfterCrash = markers(load);
            assertThat(markersAfterCrash).hasSize(afterCrash.partitionsDone());
            assertThat(queryLong(destinationDatabase, "SELECT count(*) FROM public.orders"))
                    .isEqualTo(afterCrash.rowsCopied());

            SnapshotLoadResult resumed = loader(4, 2_000).run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);

            assertThat(resumed.isComplete()).isTrue();
            assertThat(resumed.partitions()).extracting(PartitionCopy::partitionNo)
                    .as("only what was unfinished is copied").containsExactlyInAnyOrderElementsOf(unfinished);
            assertThat(resumed.partitions()).allSatisfy(p -> assertThat(p.copied()).isTrue());
            Map<Integer, String> markersAfterResume = markers(load);
            assertThat(markersAfterResume).containsAllEntriesOf(markersAfterCrash).hasSize(partitionsOf(load).size());
        }
        assertNoDuplicatesAndEqualToSource();
    }

    @Test
    void shouldNotCopyAPartitionTwiceWhenTheCrashCameAfterTheDestinationCommit() throws Exception {
        createOrders(30_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect(); Connection destination = destinationDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            SnapshotLoader loader = loader(2, 2_000);
            List<SnapshotPartition> planned = loader.plan(load, List.of(orders));
            assertThat(planned).hasSizeGreaterThan(3);
            SnapshotPartition second = planned.get(1);

            // What a worker that died right after its destination commit leaves behind: the rows and
            // their marker in the destination, the partition still RUNNING in the catalog.
            PartitionMarkerTable.ensure(destination);
            catalog.snapshotPartitions().markRunning(load.mirrorId(), 1, second.tableName(), second.partitionNo());
            PartitionCopy crashed = PartitionCopier.forLoad(load, Optional.empty())
                    .copy(source, destination, orders, second);
            assertThat(crashed.how()).isEqualTo(PartitionCopy.How.COPIED);
            assertThat(crashed.rows()).isPositive();

            SnapshotLoadResult result = loader.run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);

            assertThat(result.isComplete()).isTrue();
            assertThat(result.partitions()).filteredOn(p -> p.partitionNo() == second.partitionNo())
                    .singleElement().satisfies(p -> {
                        assertThat(p.how()).isEqualTo(PartitionCopy.How.FOUND_IN_DESTINATION);
                        assertThat(p.rows()).isEqualTo(crashed.rows());
                    });
            assertThat(result.partitions()).filteredOn(p -> p.partitionNo() != second.partitionNo())
                    .allSatisfy(p -> assertThat(p.how()).isEqualTo(PartitionCopy.How.COPIED));
            SnapshotPartition recorded = partitionsOf(load).get(1);
            assertThat(recorded.state()).isEqualTo(SnapshotPartition.State.DONE);
            assertThat(recorded.rowsCopied()).isEqualTo(crashed.rows());
        }
        assertNoDuplicatesAndEqualToSource();
    }

    @Test
    void shouldUpsertARowThatMovedIntoALaterPartitionBetweenFreshSnapshots() throws Exception {
        createOrders(30_000);
        SnapshotLoad load = newLoad();
        try (Connection source = sourceDatabase.connect(); Connection destination = destinationDatabase.connect()) {
            TableLoad orders = ordersLoad(source);
            SnapshotLoader loader = loader(2, 2_000);
            SnapshotPartition first = loader.plan(load, List.of(orders)).get(0);
            PartitionMarkerTable.ensure(destination);
            PartitionCopier.forLoad(load, Optional.empty()).copy(source, destination, orders, first);
            catalog.snapshotPartitions().markDone(load.mirrorId(), 1, first.tableName(), first.partitionNo(), 1, 1);

            // The heap's pages are full and the new version is larger than any row, so it cannot stay
            // in block 0: it lands at the end of the table, in the last partition, which a later
            // fresh snapshot reads again.
            execute(sourceDatabase, "UPDATE public.orders SET note = 'moved ' || repeat('m', 1000) WHERE id = 1");
            assertThat(queryLong(sourceDatabase,
                    "SELECT (ctid::text::point)[0]::bigint FROM public.orders WHERE id = 1"))
                    .isGreaterThanOrEqualTo(Long.parseLong(partitionsOf(load).get(1).rangeStart()));

            SnapshotLoadResult result = loader.run(load, List.of(orders), Optional.empty(),
                    SnapshotProgressListener.NONE, () -> false);

            assertThat(result.isComplete()).isTrue();
            assertThat(result.partitions()).extracting(PartitionCopy::how).contains(PartitionCopy.How.UPSERTED);
        }
        assertNoDuplicatesAndEqualToSource();
    }

    private void assertNoDuplicatesAndEqualToSource() throws Exception {
        long count = queryLong(destinationDatabase, "SELECT count(*) FROM public.orders");
        assertThat(count).isEqualTo(queryLong(destinationDatabase, "SELECT count(DISTINCT id) FROM public.orders"))
                .isEqualTo(queryLong(sourceDatabase, "SELECT count(*) FROM public.orders"));
        assertThat(checksum(destinationDatabase, ORDERS)).isEqualTo(checksum(sourceDatabase, ORDERS));
    }
}
