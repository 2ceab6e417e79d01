package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceMirror;
import dev.mirrorflow.catalog.MaintenanceRun;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.model.MaintenanceSignals;
import dev.mirrorflow.workflow.MaintenanceWorkflow;
import dev.mirrorflow.workflow.MirrorWorkflow;
import dev.mirrorflow.workflow.activity.MaintenanceActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The catalog side of maintenance windows; see {@link MaintenanceActivities}. */
public final class MaintenanceActivitiesImpl implements MaintenanceActivities {

    private static final Logger log = LoggerFactory.getLogger(MaintenanceActivitiesImpl.class);

    /** The phases of a mirror that is doing something, which a window must pause. */
    static final Set<MirrorPhase> ACTIVE = EnumSet.of(MirrorPhase.CREATED, MirrorPhase.SETUP, MirrorPhase.SNAPSHOT,
            MirrorPhase.RUNNING, MirrorPhase.PAUSING);

    private final Catalog catalog;
    private final Duration pollInterval;

    public MaintenanceActivitiesImpl(Catalog catalog) {
        this(catalog, Duration.ofSeconds(1));
    }

    MaintenanceActivitiesImpl(Catalog catalog, Duration pollInterval) {
        this.catalog = catalog;
        this.pollInterval = pollInterval;
    }

    @Override
    public long open(MaintenanceRequest request) {
        MaintenanceRun run = catalog.maintenance().openWithFlag(MaintenanceWorkflow.WORKFLOW_ID, request.reason(),
                request.startedBy());
        log.info("maintenance {} open ({}), started by {}", run.id(), run.reason(), run.startedBy());
        return run.id();
    }

    @Override
    public List<String> recordActive(long runId) {
        List<MirrorRow> active = catalog.mirrors().listLiveInPhases(ACTIVE);
        catalog.maintenance().recordPausing(runId, active.stream().map(MirrorRow::id).toList());
        List<String> recorded = catalog.maintenance().mirrors(runId).stream().map(MaintenanceMirror::name).toList();
        log.info("maintenance {} pauses {} mirrors: {}", runId, recorded.size(), recorded);
        return recorded;
    }

    @Override
    public List<String> unrecorded(long runId) {
        java.util.Set<Long> recorded = new java.util.HashSet<>();
        catalog.maintenance().mirrors(runId).forEach(m -> recorded.add(m.mirrorId()));
        return catalog.mirrors().listLive().stream().filter(m -> !recorded.contains(m.id()))
                .filter(m -> !m.phase().isTerminal()).map(MirrorRow::name).toList();
    }

    @Override
    public void awaitPaused(MaintenanceSignals paused) {
        ActivityExecutionContext context = Activity.getExecutionContext();
        String ours = MirrorWorkflow.maintenancePauseReason(paused.runId());
        while (true) {
            int pausing = 0;
            for (MaintenanceMirror m : catalog.maintenance().mirrors(paused.runId())) {
                if (m.state() != MaintenanceMirror.State.PAUSING) {
                    continue;
                }
                MirrorRow row = catalog.mirrors().findById(m.mirrorId()).orElseThrow();
                if (!row.isLive()) {
                    settle(m, MaintenanceMirror.State.DROPPED, "dropped while maintenance paused it");
                } else if (row.phase().isTerminal()) {
                    settle(m, MaintenanceMirror.State.FAILED, row.phase() + " while maintenance paused it"
                            + (row.lastError() == null ? "" : ": " + row.lastError()));
                } else if (row.phase() == MirrorPhase.PAUSED) {
                    settle(m, MaintenanceMirror.State.PAUSED, ours.equals(row.phaseReason()) ? null
                            : "already paused by a user (" + row.phaseReason() + ")");
                } else if (paused.notRunning().contains(m.name())) {
                    settle(m, MaintenanceMirror.State.FAILED, "its workflow was not running to be paused");
                } else {
                    pausing++;
                }
            }
            if (pausing == 0) {
                catalog.maintenance().setState(paused.runId(), MaintenanceRun.State.ACTIVE);
                log.info("maintenance {}: no mirror is still pausing", paused.runId());
                return;
            }
            // A cancelled wait (an end that came first) throws here and ends the activity.
            context.heartbeat(pausing);
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for mirrors to pause", e);
            }
        }
    }

    private void settle(MaintenanceMirror m, MaintenanceMirror.State state, String note) {
        catalog.maintenance().setMirrorState(m.runId(), m.mirrorId(), state, note);
        log.info("maintenance {}: mirror {} {}{}", m.runId(), m.name(), state, note == null ? "" : " (" + note + ")");
    }

    @Override
    public List<String> selectToResume(long runId) {
        catalog.maintenance().setState(runId, MaintenanceRun.State.ENDING);
        String ours = MirrorWorkflow.maintenancePauseReason(runId);
        List<String> toResume = new ArrayList<>();
        for (MaintenanceMirror m : catalog.maintenance().mirrors(runId)) {
            if (m.state() != MaintenanceMirror.State.PAUSING && m.state() != MaintenanceMirror.State.PAUSED) {
                if (m.state() == MaintenanceMirror.State.FAILED || m.state() == MaintenanceMirror.State.DROPPED) {
                    skip(m, m.note());
                }
                continue;
            }
            MirrorRow row = catalog.mirrors().findById(m.mirrorId()).orElseThrow();
            if (!row.isLive()) {
                skip(m, "dropped during maintenance");
            } else if (row.phase().isTerminal()) {
                skip(m, row.phase() + " during maintenance"
                        + (row.lastError() == null ? "" : ": " + row.lastError()));
            } else if ((row.phase() == MirrorPhase.PAUSED || row.phase() == MirrorPhase.PAUSING)
                    && !ours.equals(row.phaseReason())) {
                skip(m, "paused by a user (" + row.phaseReason() + ")");
            } else {
                // Paused by this window, or still on its way there: either way it goes on.
                toResume.add(m.name());
            }
        }
        return toResume;
    }

    private void skip(MaintenanceMirror m, String why) {
        catalog.maintenance().setMirrorState(m.runId(), m.mirrorId(), MaintenanceMirror.State.SKIPPED, why);
        log.info("maintenance {}: mirror {} not resumed: {}", m.runId(), m.name(), why);
    }

    @Override
    public void close(MaintenanceSignals resumed) {
        long runId = resumed.runId();
        for (MaintenanceMirror m : catalog.maintenance().mirrors(runId)) {
            if (resumed.signalled().contains(m.name())) {
                catalog.mirrors().recordEvent(m.mirrorId(), MirrorEvent.Kind.INFO,
                        "resumed after maintenance " + runId, null, "maintenance-" + runId + "-resumed");
                catalog.maintenance().setMirrorState(runId, m.mirrorId(), MaintenanceMirror.State.RESUMED, null);
            } else if (resumed.notRunning().contains(m.name())) {
                skip(m, "its workflow was no longer running to be resumed");
            }
        }
        catalog.maintenance().end(runId);
        log.info("maintenance {} ended; mirrors resumed: {}", runId, resumed.signalled());
    }
}
