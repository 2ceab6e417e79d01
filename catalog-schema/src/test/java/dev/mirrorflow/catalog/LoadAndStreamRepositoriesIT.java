package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Snapshot partitions, CDC batches and saved source positions. */
class LoadAndStreamRepositoriesIT extends CatalogFixture {

    private static MirrorRow mirror;

    @BeforeAll
    static void mirror() {
        catalog.peers().create(peer("ls_src"));
        catalog.peers().create(peer("ls_dst"));
        mirror = newMirror("ls_mirror", "ls_src", "ls_dst");
    }

    @Test
    void shouldResumeALoadWithOnlyTheUnfinishedPartitions() {
        var parts = catalog.snapshotPartitions();
        List<SnapshotPartition.Plan> plan = List.of(
                new SnapshotPartition.Plan("public.orders", 0, "0", "1000"),
                new SnapshotPartition.Plan("public.orders", 1, "1000", "2000"),
                new SnapshotPartition.Plan("public.items", 0, "0", "500"));
        parts.plan(mirror.id(), 1, plan);
        parts.markRunning(mirror.id(), 1, "public.orders", 0);
        parts.markDone(mirror.id(), 1, "public.orders", 0, 12_345, 1_000_000);
        parts.markRunning(mirror.id(), 1, "public.orders", 1);

        // A restarted load plans again: nothing is reset, nothing is duplicated.
        parts.plan(mirror.id(), 1, plan);

        assertThat(parts.unfinished(mirror.id(), 1))
                .extracting(SnapshotPartition::tableName, SnapshotPartition::partitionNo)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("public.items", 0),
                        org.assertj.core.groups.Tuple.tuple("public.orders", 1));
        SnapshotPartition.Progress progress = parts.progress(mirror.id(), 1);
        assertThat(progress).isEqualTo(new SnapshotPartition.Progress(3, 1, 12_345, 1_000_000));
        assertThat(progress.isComplete()).isFalse();

        // Marking a finished partition again (a retried activity) keeps the first figures.
        parts.markDone(mirror.id(), 1, "public.orders", 0, 1, 1);
        assertThat(parts.progress(mirror.id(), 1).rowsCopied()).isEqualTo(12_345);

        parts.markDone(mirror.id(), 1, "public.orders", 1, 5, 50);
        parts.markDone(mirror.id(), 1, "public.items", 0, 7, 70);
        assertThat(parts.progress(mirror.id(), 1).isComplete()).isTrue();
        assertThat(parts.progress(mirror.id(), 2)).isEqualTo(new SnapshotPartition.Progress(0, 0, 0, 0));

        assertThat(parts.latestGeneration(mirror.id())).isEqualTo(1);
        parts.plan(mirror.id(), 2, List.of(new SnapshotPartition.Plan("public.orders", 0, "0", "")));
        assertThat(parts.latestGeneration(mirror.id())).isEqualTo(2);
        parts.markDone(mirror.id(), 2, "public.orders", 0, 100, 1);
        assertThat(parts.rowsCopiedInAllLoads(mirror.id())).isEqualTo(12_345 + 5 + 7 + 100);
    }

    @Test
    void shouldCountEachBatchOnceAndReportTotals() {
        var batches = catalog.cdcBatches();
        Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
        CdcBatch b1 = new CdcBatch(mirror.id(), 1, 100, 4096, "0/100", "0/200", t0, t0.plusMillis(40));
        CdcBatch b2 = new CdcBatch(mirror.id(), 2, 50, 2048, "0/201", "0/300", t0.plusSeconds(1), t0.plusSeconds(2));

        assertThat(batches.record(b1)).isTrue();
        assertThat(batches.record(b2)).isTrue();
        assertThat(batches.record(b2)).as("a retried record").isFalse();

        assertThat(batches.lastBatchId(mirror.id())).isEqualTo(2);
        assertThat(batches.recent(mirror.id(), 10)).containsExactly(b2, b1);
        assertThat(batches.totals(mirror.id()))
                .isEqualTo(new CdcBatch.Totals(2, 150, 6144, "0/300", t0.plusSeconds(2)));
    }

    @Test
    void shouldKeepTheNewestSavedSourcePosition() {
        var checkpoints = catalog.sourceCheckpoints();
        assertThat(checkpoints.find(mirror.id(), 1)).isEmpty();

        checkpoints.save(mirror.id(), 1, SourceCheckpoint.Kind.MONGO_RESUME_TOKEN, "{\"_data\": \"8263\"}");
        checkpoints.save(mirror.id(), 1, SourceCheckpoint.Kind.MONGO_RESUME_TOKEN, "{\"_data\": \"8264\"}");

        SourceCheckpoint saved = checkpoints.find(mirror.id(), 1).orElseThrow();
        assertThat(saved.position()).isEqualTo("{\"_data\": \"8264\"}");
        assertThat(saved.kind()).isEqualTo(SourceCheckpoint.Kind.MONGO_RESUME_TOKEN);
    }
}
