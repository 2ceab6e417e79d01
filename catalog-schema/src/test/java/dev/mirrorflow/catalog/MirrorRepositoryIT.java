package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MirrorRepositoryIT extends CatalogFixture {

    @BeforeAll
    static void peers() {
        catalog.peers().create(peer("mr_src"));
        catalog.peers().create(peer("mr_dst"));
    }

    @Test
    void shouldCreateAMirrorInPhaseCreatedWithItsFirstEvent() {
        MirrorRow m = newMirror("mr_new", "mr_src", "mr_dst");

        assertThat(m.phase()).isEqualTo(MirrorPhase.CREATED);
        assertThat(m.workflowId()).isEqualTo("mirror/mr_new");
        assertThat(m.isLive()).isTrue();
        assertThat(catalog.mirrors().history(m.id(), 10))
                .extracting(MirrorEvent::kind, MirrorEvent::phase)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(MirrorEvent.Kind.PHASE, MirrorPhase.CREATED));
    }

    @Test
    void shouldListLiveMirrorsByNameWithEveryFieldAsStoredAlsoOverOneConnection() {
        MirrorRow b = newMirror("mr_list_b", "mr_src", "mr_dst");
        MirrorRow a = newMirror("mr_list_a", "mr_src", "mr_dst");
        catalog.mirrors().recordPhase(a.id(), MirrorPhase.FAILED, "source gone", "boom", null);
        MirrorRow dropped = newMirror("mr_list_dropped", "mr_src", "mr_dst");
        catalog.mirrors().markDropped(dropped.id());
        MirrorRow failed = catalog.mirrors().findById(a.id()).orElseThrow();

        try (Catalog oneConnection = Catalog.openForOneCommand(database.catalogConfig())) {
            for (Catalog c : List.of(catalog, oneConnection)) {
                List<MirrorRow> live = c.mirrors().listLive().stream()
                        .filter(m -> m.name().startsWith("mr_list_")).toList();
                // Records compare every field: the list reads exactly what the single-row lookup reads.
                assertThat(live).containsExactly(failed, catalog.mirrors().findById(b.id()).orElseThrow());
                assertThat(live.get(0).phaseReason()).isEqualTo("source gone");
                assertThat(live.get(0).lastError()).isEqualTo("boom");
                assertThat(live.get(0).phaseSince()).isNotNull();
            }
        }
    }

    @Test
    void shouldRefuseAMirrorWhosePeerIsMissingAndWriteNothing() {
        assertThatThrownBy(() -> catalog.mirrors().create(
                        new NewMirror("mr_orphan", "mr_src", "mr_nowhere", "{}", "mirror/mr_orphan")))
                .isInstanceOf(CatalogConflictException.class)
                .hasMessageContaining("peer 'mr_nowhere' does not exist");
        assertThat(catalog.mirrors().findLatest("mr_orphan")).isEmpty();
    }

    @Test
    void shouldRefuseASecondLiveMirrorOfTheSameNameButAllowReuseAfterDrop() {
        MirrorRow first = newMirror("mr_twice", "mr_src", "mr_dst");
        assertThatThrownBy(() -> newMirror("mr_twice", "mr_src", "mr_dst"))
                .isInstanceOf(CatalogConflictException.class)
                .hasMessageContaining("a mirror named 'mr_twice' already exists");

        catalog.mirrors().markDropped(first.id());
        MirrorRow second = newMirror("mr_twice", "mr_src", "mr_dst");

        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(catalog.mirrors().findLive("mr_twice")).map(MirrorRow::id).contains(second.id());
        assertThat(catalog.mirrors().findLatest("mr_twice")).map(MirrorRow::id).contains(second.id());
        assertThat(catalog.mirrors().history(first.id(), 10)).isNotEmpty();
    }

    @Test
    void shouldRecordEachPhaseChangeWithItsEventAndKeepTheLastErrorUntilRunning() {
        MirrorRow m = newMirror("mr_phases", "mr_src", "mr_dst");
        var repo = catalog.mirrors();

        repo.recordPhase(m.id(), MirrorPhase.SETUP, "starting", null, null);
        repo.recordError(m.id(), "slot in use by pid 42; retrying in 2s", null);
        assertThat(repo.findById(m.id()).orElseThrow().lastError()).contains("slot in use");
        repo.recordPhase(m.id(), MirrorPhase.SNAPSHOT, "setup done", null, null);
        assertThat(repo.findById(m.id()).orElseThrow().lastError()).as("kept while not yet running").contains("slot in use");
        repo.recordPhase(m.id(), MirrorPhase.RUNNING, "caught up", null, null);

        MirrorRow now = repo.findById(m.id()).orElseThrow();
        assertThat(now.phase()).isEqualTo(MirrorPhase.RUNNING);
        assertThat(now.phaseReason()).isEqualTo("caught up");
        assertThat(now.lastError()).isNull();
        assertThat(repo.history(m.id(), 100))
                .extracting(MirrorEvent::kind)
                .containsExactly(MirrorEvent.Kind.PHASE, MirrorEvent.Kind.PHASE, MirrorEvent.Kind.ERROR,
                        MirrorEvent.Kind.PHASE, MirrorEvent.Kind.PHASE);
        assertThat(repo.listLiveInPhases(Set.of(MirrorPhase.RUNNING))).extracting(MirrorRow::name).contains("mr_phases");
    }

    @Test
    void shouldWriteAPhaseEventOnceWhenTheSameActivityIsRetried() {
        MirrorRow m = newMirror("mr_retry", "mr_src", "mr_dst");

        assertThat(catalog.mirrors().recordPhase(m.id(), MirrorPhase.SETUP, "go", null, "run-1:1")).isTrue();
        assertThat(catalog.mirrors().recordPhase(m.id(), MirrorPhase.SETUP, "go", null, "run-1:1")).isFalse();

        assertThat(catalog.mirrors().history(m.id(), 100)).hasSize(2);
    }

    @Test
    void shouldKeepOnlyTheNewestEventsInOrderWhenLimited() {
        MirrorRow m = newMirror("mr_long", "mr_src", "mr_dst");
        for (int i = 0; i < 5; i++) {
            catalog.mirrors().recordEvent(m.id(), MirrorEvent.Kind.INFO, "note " + i, "{\"i\": " + i + "}", null);
        }
        List<MirrorEvent> last3 = catalog.mirrors().history(m.id(), 3);
        assertThat(last3).extracting(MirrorEvent::reason).containsExactly("note 2", "note 3", "note 4");
        assertThat(last3.get(0).details()).contains("\"i\": 2");
    }

    @Test
    void shouldRecordTheOutcomeOncePerRunAndMoveToTheFinalPhase() {
        MirrorRow m = newMirror("mr_done", "mr_src", "mr_dst");
        MirrorOutcome outcome = new MirrorOutcome(m.id(), "run-9", MirrorPhase.FAILED, 100, 250, 7, "0/16B3748",
                "table public.t has no primary key", Instant.parse("2026-11-22T10:00:00Z"));

        assertThat(catalog.mirrors().recordOutcome(outcome)).isTrue();
        assertThat(catalog.mirrors().recordOutcome(outcome)).isFalse();

        MirrorRow now = catalog.mirrors().findById(m.id()).orElseThrow();
        assertThat(now.phase()).isEqualTo(MirrorPhase.FAILED);
        assertThat(now.lastError()).contains("no primary key");
        assertThat(catalog.mirrors().latestOutcome(m.id())).contains(outcome);
        assertThat(catalog.mirrors().history(m.id(), 100)).filteredOn(e -> e.phase() == MirrorPhase.FAILED).hasSize(1);
    }

    @Test
    void shouldDeleteOnlyAMirrorWhoseWorkflowNeverStarted() {
        MirrorRow unstarted = newMirror("mr_unstarted", "mr_src", "mr_dst");
        MirrorRow started = newMirror("mr_started", "mr_src", "mr_dst");
        catalog.mirrors().recordPhase(started.id(), MirrorPhase.SETUP, "validating", null, "s1");

        assertThat(catalog.mirrors().deleteNeverStarted(unstarted.id())).isTrue();
        assertThat(catalog.mirrors().deleteNeverStarted(started.id())).isFalse();

        assertThat(catalog.mirrors().findLatest("mr_unstarted")).isEmpty();
        assertThat(catalog.mirrors().history(unstarted.id(), 10)).isEmpty();
        assertThat(catalog.mirrors().findLive("mr_started")).isPresent();
        assertThat(catalog.mirrors().history(started.id(), 10)).hasSize(2);
    }

    @Test
    void shouldListEveryRunsOutcomeOldestFirst() {
        MirrorRow m = newMirror("mr_runs", "mr_src", "mr_dst");
        catalog.mirrors().recordOutcome(new MirrorOutcome(m.id(), "run-1", MirrorPhase.FAILED, 1, 2, 1, "0/1", "lost",
                Instant.parse("2026-01-01T00:00:00Z")));
        catalog.mirrors().recordOutcome(new MirrorOutcome(m.id(), "run-2", MirrorPhase.TERMINATED, 3, 4, 2, "0/2", null,
                Instant.parse("2026-01-02T00:00:00Z")));

        assertThat(catalog.mirrors().outcomes(m.id())).extracting(MirrorOutcome::runId, MirrorOutcome::finalPhase)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("run-1", MirrorPhase.FAILED),
                        org.assertj.core.groups.Tuple.tuple("run-2", MirrorPhase.TERMINATED));
        // What status shows: the newest, every field as the full list reads it.
        assertThat(catalog.mirrors().latestOutcome(m.id())).contains(catalog.mirrors().outcomes(m.id()).get(1));
        assertThat(catalog.mirrors().latestOutcome(newMirror("mr_runs_none", "mr_src", "mr_dst").id())).isEmpty();
    }

    @Test
    void shouldFindTheLiveIncarnationFirstThenTheNewestDroppedOne() {
        MirrorRow first = newMirror("mr_again", "mr_src", "mr_dst");
        catalog.mirrors().markDropped(first.id());
        MirrorRow second = newMirror("mr_again", "mr_src", "mr_dst");
        catalog.mirrors().recordPhase(second.id(), MirrorPhase.RUNNING, "streaming", null, null);

        // Records compare every field: the lookup by name reads what the lookup by id reads.
        assertThat(catalog.mirrors().findLatest("mr_again")).contains(catalog.mirrors().findById(second.id()).orElseThrow());
        catalog.mirrors().markDropped(second.id());
        assertThat(catalog.mirrors().findLatest("mr_again")).map(MirrorRow::id).contains(second.id());
        assertThat(catalog.mirrors().findLatest("mr_again").orElseThrow().droppedAt()).isNotNull();
        assertThat(catalog.mirrors().findLatest("mr_never")).isEmpty();
    }

    @Test
    void shouldRefuseToRewriteHistory() throws Exception {
        MirrorRow m = newMirror("mr_history", "mr_src", "mr_dst");
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate(
                            "UPDATE mirrorflow.mirror_events SET reason = 'edited' WHERE mirror_id = " + m.id()))
                    .hasMessageContaining("append-only");
        }
    }
}
