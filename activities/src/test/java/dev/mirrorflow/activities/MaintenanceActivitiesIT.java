package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceMirror;
import dev.mirrorflow.catalog.MaintenanceRun;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceSignals;
import dev.mirrorflow.workflow.activity.MaintenanceActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a maintenance window records in the real catalog: which mirrors it takes (active ones,
 * not the paused, failed or dropped), how each one that will not pause is settled rather than
 * waited for, which `end` skips and why, and that `end` writes each resumed mirror's history
 * and clears the flag.
 */
class MaintenanceActivitiesIT {

    private ScratchDatabase db;
    private Catalog catalog;
    private TestActivityEnvironment env;
    private MaintenanceActivities activities;

    @BeforeEach
    void setUp() {
        db = ScratchDatabase.create("maintenance_activities");
        catalog = Catalog.open(db.catalogConfig());
        catalog.peers().create(new StoredPeer("src", "postgres", "{\"host\":\"127.0.0.1\"}", new byte[] {1}, "k1", null));
        catalog.peers().create(new StoredPeer("dst", "postgres", "{\"host\":\"127.0.0.1\"}", new byte[] {1}, "k1", null));
        env = TestActivityEnvironment.newInstance();
        env.registerActivitiesImplementations(new MaintenanceActivitiesImpl(catalog, Duration.ofMillis(50)));
        activities = env.newActivityStub(MaintenanceActivities.class, ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(1)).setHeartbeatTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterEach
    void tearDown() {
        env.close();
        catalog.close();
        db.close();
    }

    private MirrorRow mirror(String name, MirrorPhase phase, String reason) {
        MirrorRow row = catalog.mirrors().create(new NewMirror(name, "src", "dst", "{\"name\":\"" + name + "\"}",
                "mirror/" + name));
        catalog.mirrors().recordPhase(row.id(), phase, reason, null, name + "-" + phase);
        return row;
    }

    private Map<String, MaintenanceMirror> recorded(long runId) {
        return catalog.maintenance().mirrors(runId).stream()
                .collect(Collectors.toMap(MaintenanceMirror::name, Function.identity()));
    }

    @Test
    void shouldRecordActiveMirrorsSettleThoseThatWillNotPauseAndResumeOnlyThoseStillPausedByTheWindow() {
        MirrorRow streaming = mirror("streaming", MirrorPhase.RUNNING, "streaming changes");
        MirrorRow loading = mirror("loading", MirrorPhase.SNAPSHOT, "initial load");
        MirrorRow settingUp = mirror("setting_up", MirrorPhase.SETUP, "validating");
        MirrorRow doomed = mirror("doomed", MirrorPhase.RUNNING, "streaming changes");
        MirrorRow gone = mirror("gone", MirrorPhase.RUNNING, "streaming changes");
        MirrorRow orphan = mirror("orphan", MirrorPhase.RUNNING, "streaming changes");
        mirror("held", MirrorPhase.PAUSED, "held by its owner");
        mirror("failed", MirrorPhase.FAILED, "wal_level is not logical");
        MirrorRow dropped = mirror("dropped", MirrorPhase.RUNNING, "streaming changes");
        catalog.mirrors().markDropped(dropped.id());

        long runId = activities.open(new MaintenanceRequest("upgrade", "ops@host", false));
        assertThat(catalog.settings().isMaintenanceOn()).isTrue();
        assertThat(activities.open(new MaintenanceRequest("upgrade", "ops@host", false))).as("retried").isEqualTo(runId);
        List<String> names = activities.recordActive(runId);
        assertThat(names).containsExactly("doomed", "gone", "loading", "orphan", "setting_up", "streaming");
        assertThat(activities.recordActive(runId)).as("retried").isEqualTo(names);

        // The mirrors pause, or do not: each one is settled, none waited for forever.
        String ours = "paused for maintenance " + runId;
        catalog.mirrors().recordPhase(streaming.id(), MirrorPhase.PAUSED, ours, null, "s-paused");
        catalog.mirrors().recordPhase(loading.id(), MirrorPhase.PAUSED, ours, null, "l-paused");
        catalog.mirrors().recordPhase(settingUp.id(), MirrorPhase.PAUSED, ours, null, "u-paused");
        catalog.mirrors().recordPhase(doomed.id(), MirrorPhase.FAILED, null, "slot lost", "d-failed");
        catalog.mirrors().markDropped(gone.id());
        activities.awaitPaused(new MaintenanceSignals(runId, names, List.of("orphan")));
        Map<String, MaintenanceMirror> paused = recorded(runId);
        assertThat(paused.get("streaming").state()).isEqualTo(MaintenanceMirror.State.PAUSED);
        assertThat(paused.get("streaming").pausedAt()).isNotNull();
        assertThat(paused.get("doomed").state()).isEqualTo(MaintenanceMirror.State.FAILED);
        assertThat(paused.get("doomed").note()).isEqualTo("FAILED while maintenance paused it: slot lost");
        assertThat(paused.get("gone").state()).isEqualTo(MaintenanceMirror.State.DROPPED);
        assertThat(paused.get("orphan").state()).isEqualTo(MaintenanceMirror.State.FAILED);
        assertThat(paused.get("orphan").note()).isEqualTo("its workflow was not running to be paused");
        assertThat(catalog.maintenance().find(runId).orElseThrow().state()).isEqualTo(MaintenanceRun.State.ACTIVE);

        // Meanwhile a user pauses one on purpose (after a resume the window refused), another is dropped.
        catalog.mirrors().recordPhase(settingUp.id(), MirrorPhase.PAUSED, "keep it stopped", null, "u-user");
        catalog.mirrors().markDropped(loading.id());
        List<String> toResume = activities.selectToResume(runId);
        assertThat(toResume).containsExactly("streaming");
        activities.close(new MaintenanceSignals(runId, toResume, List.of()));

        Map<String, MaintenanceMirror> ended = recorded(runId);
        assertThat(ended.get("streaming").state()).isEqualTo(MaintenanceMirror.State.RESUMED);
        assertThat(ended.get("setting_up").state()).isEqualTo(MaintenanceMirror.State.SKIPPED);
        assertThat(ended.get("setting_up").note()).isEqualTo("paused by a user (keep it stopped)");
        assertThat(ended.get("loading").note()).isEqualTo("dropped during maintenance");
        assertThat(ended.get("doomed").state()).isEqualTo(MaintenanceMirror.State.SKIPPED);
        assertThat(ended.get("doomed").note()).isEqualTo("FAILED while maintenance paused it: slot lost");
        assertThat(catalog.settings().isMaintenanceOn()).isFalse();
        assertThat(catalog.maintenance().find(runId).orElseThrow().isOpen()).isFalse();
        assertThat(catalog.mirrors().history(streaming.id(), 100)).filteredOn(e -> e.kind() == MirrorEvent.Kind.INFO)
                .extracting(MirrorEvent::reason).containsExactly("resumed after maintenance " + runId);

        // A retried close writes nothing twice.
        activities.close(new MaintenanceSignals(runId, toResume, List.of()));
        assertThat(catalog.mirrors().history(streaming.id(), 100)).filteredOn(e -> e.kind() == MirrorEvent.Kind.INFO)
                .hasSize(1);
    }
}
