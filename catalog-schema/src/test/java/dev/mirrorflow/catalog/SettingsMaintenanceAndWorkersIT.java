package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SettingsMaintenanceAndWorkersIT extends CatalogFixture {

    @Test
    void shouldToggleTheMaintenanceFlag() {
        assertThat(catalog.settings().isMaintenanceOn()).isFalse();
        catalog.settings().setMaintenance(true);
        assertThat(catalog.settings().isMaintenanceOn()).isTrue();
        catalog.settings().setMaintenance(false);
        assertThat(catalog.settings().isMaintenanceOn()).isFalse();
        assertThat(catalog.settings().get(SettingsRepository.MAINTENANCE)).contains("false");
    }

    @Test
    void shouldAllowOneMaintenanceRunAtATimeAndRememberWhichMirrorsItPaused() {
        catalog.peers().create(peer("mt_src"));
        catalog.peers().create(peer("mt_dst"));
        MirrorRow a = newMirror("mt_a", "mt_src", "mt_dst");
        MirrorRow b = newMirror("mt_b", "mt_src", "mt_dst");
        var maintenance = catalog.maintenance();

        MaintenanceRun run = maintenance.open("maintenance", "upgrade");
        assertThat(maintenance.open("maintenance", "upgrade").id()).as("retried open").isEqualTo(run.id());
        assertThatThrownBy(() -> maintenance.open("someone-else", "other"))
                .isInstanceOf(CatalogConflictException.class)
                .hasMessageContaining("maintenance is already in progress");

        maintenance.recordPausing(run.id(), List.of(b.id(), a.id()));
        maintenance.recordPausing(run.id(), List.of(a.id()));
        maintenance.markPaused(run.id(), a.id());
        maintenance.setState(run.id(), MaintenanceRun.State.ACTIVE);
        assertThat(maintenance.pausedMirrors(run.id())).containsExactly(a.id(), b.id());

        maintenance.setState(run.id(), MaintenanceRun.State.ENDED);
        assertThat(maintenance.openRun()).isEmpty();
        assertThat(maintenance.latest().orElseThrow().endedAt()).isNotNull();
        MaintenanceRun next = maintenance.open("maintenance", "second window");
        assertThat(next.id()).isGreaterThan(run.id());
        assertThat(maintenance.pausedMirrors(next.id())).isEmpty();
        maintenance.setState(next.id(), MaintenanceRun.State.ENDED);
    }

    @Test
    void shouldSetTheFlagWithTheWindowAndClearItWhenTheWindowEnds() {
        catalog.peers().create(peer("mw_src"));
        catalog.peers().create(peer("mw_dst"));
        MirrorRow a = newMirror("mw_a", "mw_src", "mw_dst");
        MirrorRow b = newMirror("mw_b", "mw_src", "mw_dst");
        var maintenance = catalog.maintenance();

        MaintenanceRun run = maintenance.openWithFlag("maintenance", "upgrade", "ops@host");
        assertThat(catalog.settings().isMaintenanceOn()).isTrue();
        assertThat(maintenance.openWithFlag("maintenance", "upgrade", "ops@host").id()).as("retried").isEqualTo(run.id());
        assertThat(maintenance.find(run.id()).orElseThrow().startedBy()).isEqualTo("ops@host");

        maintenance.recordPausing(run.id(), List.of(b.id(), a.id()));
        assertThat(maintenance.mirrors(run.id())).extracting(MaintenanceMirror::name, MaintenanceMirror::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("mw_a", MaintenanceMirror.State.PAUSING),
                        org.assertj.core.groups.Tuple.tuple("mw_b", MaintenanceMirror.State.PAUSING));
        maintenance.setMirrorState(run.id(), a.id(), MaintenanceMirror.State.PAUSED, null);
        maintenance.setMirrorState(run.id(), b.id(), MaintenanceMirror.State.SKIPPED, "paused by a user (mine)");
        maintenance.setMirrorState(run.id(), a.id(), MaintenanceMirror.State.RESUMED, null);
        // A retried end finds them settled and changes nothing.
        maintenance.setMirrorState(run.id(), a.id(), MaintenanceMirror.State.PAUSED, null);
        maintenance.setMirrorState(run.id(), b.id(), MaintenanceMirror.State.RESUMED, null);
        List<MaintenanceMirror> settled = maintenance.mirrors(run.id());
        assertThat(settled.get(0).state()).isEqualTo(MaintenanceMirror.State.RESUMED);
        assertThat(settled.get(0).pausedAt()).isNotNull();
        assertThat(settled.get(0).resumedAt()).isNotNull();
        assertThat(settled.get(1).state()).isEqualTo(MaintenanceMirror.State.SKIPPED);
        assertThat(settled.get(1).note()).isEqualTo("paused by a user (mine)");

        maintenance.end(run.id());
        assertThat(catalog.settings().isMaintenanceOn()).isFalse();
        assertThat(maintenance.openRun()).isEmpty();
        java.time.Instant endedAt = maintenance.find(run.id()).orElseThrow().endedAt();
        maintenance.end(run.id());
        assertThat(maintenance.find(run.id()).orElseThrow().endedAt()).as("ending twice").isEqualTo(endedAt);
    }

    @Test
    void shouldKeepOneRowPerWorkerInstanceAcrossRestarts() throws InterruptedException {
        UUID id = UUID.randomUUID();
        catalog.workers().register(id, "host-a", "0.1.0", "mirrorflow@host-a/" + id, Instant.parse("2026-11-22T09:00:00Z"));
        WorkerRow first = catalog.workers().list().stream().filter(w -> w.instanceId().equals(id)).findFirst().orElseThrow();
        Thread.sleep(5);
        assertThat(catalog.workers().touch(id)).isTrue();
        catalog.workers().register(id, "host-a", "0.2.0", "mirrorflow@host-a/" + id, Instant.parse("2026-11-22T11:00:00Z"));

        List<WorkerRow> rows = catalog.workers().list().stream().filter(w -> w.instanceId().equals(id)).toList();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).version()).isEqualTo("0.2.0");
        assertThat(rows.get(0).startedAt()).isEqualTo(Instant.parse("2026-11-22T11:00:00Z"));
        assertThat(rows.get(0).lastSeenAt()).isAfter(first.lastSeenAt());
        assertThat(catalog.workers().touch(UUID.randomUUID())).isFalse();
    }
}
