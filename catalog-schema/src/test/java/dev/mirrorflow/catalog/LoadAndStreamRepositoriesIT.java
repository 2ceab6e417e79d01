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
        assertThat(parts.latestGeneration(mirror.id())).as("before any load was planned").isEqualTo(1);
        parts.plan(mirror.id(), 1, plan);
        assertThat(parts.firstStarted(mirror.id(), 1)).as("nothing started yet").isEmpty();
        Instant beforeStart = catalogNow();
        parts.markRunning(mirror.id(), 1, "public.orders", 0);
        Instant started = parts.firstStarted(mirror.id(), 1).orElseThrow();
        assertThat(started).isBetween(beforeStart, catalogNow());
        parts.markDone(mirror.id(), 1, "public.orders", 0, 12_345, 1_000_000);
        parts.markRunning(mirror.id(), 1, "public.orders", 1);

        // A restarted load plans again: nothing is reset, nothing is duplicated.
        parts.plan(mirror.id(), 1, plan);

        assertThat(parts.firstStarted(mirror.id(), 1)).as("the first partition's start, not a later one's")
                .contains(started);
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
        MirrorRow quiet = newMirror("ls_quiet", "ls_src", "ls_dst");
        assertThat(batches.totals(quiet.id())).as("no batch yet")
                .isEqualTo(new CdcBatch.Totals(0, 0, 0, null, null));
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
    void shouldTellWhichWorkerRunsTheMirrorUntilThatWorkerEnds() {
        var workers = catalog.mirrorWorkers();
        MirrorRow running = newMirror("ls_running", "ls_src", "ls_dst");
        assertThat(workers.find(running.id())).isEmpty();

        Instant before = catalogNow();
        workers.started(running.id(), "worker-a", "LoadSnapshot");
        MirrorWorker a = workers.find(running.id()).orElseThrow();
        assertThat(a.identity()).isEqualTo("worker-a");
        assertThat(a.activity()).isEqualTo("LoadSnapshot");
        assertThat(a.startedAt()).isBetween(before, catalogNow());

        // Another worker took over; the first one's late end leaves the new record alone.
        workers.started(running.id(), "worker-b", "StreamChanges");
        workers.ended(running.id(), "worker-a");
        assertThat(workers.find(running.id())).map(MirrorWorker::identity).contains("worker-b");
        workers.ended(running.id(), "worker-b");
        assertThat(workers.find(running.id())).isEmpty();
    }

    /** The catalog server's clock, which stamps started_at. */
    private static Instant catalogNow() {
        try (var c = catalog.connection(); var s = c.createStatement(); var rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
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
