package dev.mirrorflow.cli;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorOutcome;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.MirrorWorker;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.model.SpecEdit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A mirror's status as the catalog knows it: no Temporal call, so it answers while Temporal is
 * down and after Temporal has forgotten the workflow.
 */
record MirrorStatusView(
        MirrorRow mirror,
        int loadGeneration,
        SnapshotPartition.Progress load,
        Instant loadStarted,
        CdcBatch.Totals stream,
        Optional<MirrorOutcome> outcome,
        SourceLag lag,
        List<MirrorEvent> schemaChanges,
        Optional<String> pendingEdit,
        Optional<MirrorWorker> worker) {

    /** How many of the newest schema changes status shows; history has them all. */
    static final int SCHEMA_CHANGES_SHOWN = 10;

    /**
     * @param stream the mirror's batches so far, read first because the lag is measured from them
     * @param lag how far behind the source, asked last (see {@link SourceLag#start}), or null when
     *     not asked (ended mirrors)
     */
    static MirrorStatusView read(Catalog catalog, MirrorRow mirror, CdcBatch.Totals stream,
            java.util.function.Supplier<SourceLag> lag) {
        int generation = catalog.snapshotPartitions().latestGeneration(mirror.id());
        Instant loadStarted = catalog.snapshotPartitions().firstStarted(mirror.id(), generation).orElse(null);
        SnapshotPartition.Progress progress = catalog.snapshotPartitions().progress(mirror.id(), generation);
        Optional<MirrorOutcome> outcome = catalog.mirrors().latestOutcome(mirror.id());
        List<MirrorEvent> schemaChanges = oldestFirst(catalog.mirrors().schemaChanges(mirror.id(), SCHEMA_CHANGES_SHOWN));
        Optional<String> pendingEdit = pendingEdit(catalog, mirror);
        Optional<MirrorWorker> worker = runningOn(catalog, mirror);
        return new MirrorStatusView(mirror, generation, progress, loadStarted, stream, outcome,
                lag == null ? null : lag.get(), schemaChanges, pendingEdit, worker);
    }

    /**
     * The worker the mirror's load or stream runs on, while one runs: a paused or ended mirror
     * runs nowhere, even if a killed worker left its record.
     */
    private static Optional<MirrorWorker> runningOn(Catalog catalog, MirrorRow mirror) {
        MirrorPhase phase = mirror.phase();
        if (!mirror.isLive() || (phase != MirrorPhase.SNAPSHOT && phase != MirrorPhase.RUNNING
                && phase != MirrorPhase.PAUSING)) {
            return Optional.empty();
        }
        return catalog.mirrorWorkers().find(mirror.id());
    }

    /** What a saved edit not applied yet changes, as `mirror edit` described it. */
    private static Optional<String> pendingEdit(Catalog catalog, MirrorRow mirror) {
        return catalog.mirrors().pendingSpec(mirror.id()).map(json -> {
            try {
                return SpecEdit.between(MirrorSpecJson.read(mirror.spec()), MirrorSpecJson.read(json))
                        .description();
            } catch (RuntimeException unreadable) {
                return "a saved edit (" + unreadable.getMessage() + ")";
            }
        });
    }

    private static List<MirrorEvent> oldestFirst(List<MirrorEvent> newestFirst) {
        List<MirrorEvent> events = new ArrayList<>(newestFirst);
        Collections.reverse(events);
        return events;
    }

    String render(Instant now) {
        StringBuilder out = new StringBuilder();
        MirrorRow m = mirror;
        out.append("mirror ").append(m.name()).append(m.isLive() ? "" : " (dropped " + m.droppedAt() + ")").append('\n');
        out.append("  ").append(m.sourcePeer()).append(" -> ").append(m.destinationPeer())
                .append("   workflow ").append(m.workflowId()).append('\n');
        out.append("  phase    ").append(m.phase()).append(" since ").append(m.phaseSince())
                .append(" (").append(ago(Duration.between(m.phaseSince(), now))).append(" ago)");
        if (m.phaseReason() != null) {
            out.append(" — ").append(TerminalText.reason(m.phaseReason()));
        }
        out.append('\n');
        worker.ifPresent(w -> out.append("  worker   ").append(w.identity()).append(" (")
                .append(w.activity().equals("LoadSnapshot") ? "load" : "stream").append(" since ")
                .append(w.startedAt()).append(")\n"));
        if (m.lastError() != null) {
            out.append("  error    ").append(TerminalText.clean(m.lastError())).append('\n');
        }
        if (load.partitionsTotal() > 0) {
            out.append("  load     ").append(bar(load.partitionsDone(), load.partitionsTotal())).append(' ')
                    .append(load.partitionsDone()).append('/').append(load.partitionsTotal()).append(" partitions, ")
                    .append(count(load.rowsCopied())).append(" rows");
            if (loadStarted != null && load.rowsCopied() > 0 && !load.isComplete()) {
                double seconds = Math.max(1, Duration.between(loadStarted, now).toSeconds());
                double partitionsPerSecond = load.partitionsDone() / seconds;
                out.append(", ").append(count((long) (load.rowsCopied() / seconds))).append(" rows/s");
                if (partitionsPerSecond > 0) {
                    long eta = (long) ((load.partitionsTotal() - load.partitionsDone()) / partitionsPerSecond);
                    out.append(", ETA ").append(ago(Duration.ofSeconds(eta)));
                }
            }
            if (loadGeneration > 1) {
                out.append(" (load ").append(loadGeneration).append(')');
            }
            out.append('\n');
        }
        if (stream.batches() > 0) {
            out.append("  stream   ").append(count(stream.rowsApplied())).append(" rows in ")
                    .append(count(stream.batches())).append(" batches, at ")
                    .append(lag != null && lag.position() != null ? lag.position() : stream.lastPosition())
                    .append(", last batch ").append(ago(Duration.between(stream.lastEndedAt(), now))).append(" ago\n");
        }
        if (lag != null) {
            out.append("  lag      ").append(lag.render()).append('\n');
        }
        pendingEdit.ifPresent(edit -> out.append("  edit     ").append(edit).append(m.phase() == MirrorPhase.FAILED
                ? ": saved, applied first when the mirror is resumed or resynced"
                : m.phase() == MirrorPhase.PAUSED ? ": saved, applied when the mirror is resumed" : ": being applied")
                .append('\n'));
        // Differences between the source and the destination that the mirror keeps on purpose
        // (a column dropped at the source) and changes it followed (a renamed table).
        for (MirrorEvent change : schemaChanges) {
            out.append("  schema   ").append(change.occurredAt()).append("  ").append(change.reason()).append('\n');
        }
        outcome.filter(o -> m.phase().isTerminal()).ifPresent(o -> out.append("  outcome  ").append(o.finalPhase())
                .append(" at ").append(o.closedAt()).append(": ").append(count(o.rowsSnapshotted()))
                .append(" rows loaded, ").append(count(o.rowsApplied())).append(" rows streamed")
                .append(o.error() == null ? "" : ", error: " + TerminalText.clean(o.error())).append('\n'));
        return out.toString();
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", mirror.name());
        json.put("source", mirror.sourcePeer());
        json.put("destination", mirror.destinationPeer());
        json.put("workflowId", mirror.workflowId());
        json.put("phase", mirror.phase().name());
        json.put("phaseSince", mirror.phaseSince().toString());
        json.put("reason", mirror.phaseReason());
        json.put("lastError", mirror.lastError());
        json.put("dropped", mirror.droppedAt() == null ? null : mirror.droppedAt().toString());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("generation", loadGeneration);
        l.put("partitionsDone", load.partitionsDone());
        l.put("partitionsTotal", load.partitionsTotal());
        l.put("rowsCopied", load.rowsCopied());
        json.put("load", l);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("batches", stream.batches());
        s.put("rowsApplied", stream.rowsApplied());
        s.put("lastPosition", stream.lastPosition());
        s.put("lastBatchAt", stream.lastEndedAt() == null ? null : stream.lastEndedAt().toString());
        json.put("stream", s);
        List<Map<String, Object>> changes = new ArrayList<>();
        for (MirrorEvent change : schemaChanges) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("at", change.occurredAt().toString());
            c.put("reason", change.reason());
            changes.add(c);
        }
        json.put("schemaChanges", changes);
        json.put("pendingEdit", pendingEdit.orElse(null));
        json.put("worker", worker.map(w -> {
            Map<String, Object> at = new LinkedHashMap<>();
            at.put("identity", w.identity());
            at.put("activity", w.activity());
            at.put("since", w.startedAt().toString());
            return at;
        }).orElse(null));
        if (lag != null) {
            Map<String, Object> l2 = new LinkedHashMap<>();
            l2.put("bytes", lag.bytes());
            l2.put("seconds", lag.seconds());
            l2.put("unavailable", lag.unavailableBecause());
            json.put("lag", l2);
        }
        outcome.ifPresent(o -> {
            Map<String, Object> oc = new LinkedHashMap<>();
            oc.put("finalPhase", o.finalPhase().name());
            oc.put("closedAt", o.closedAt().toString());
            oc.put("rowsLoaded", o.rowsSnapshotted());
            oc.put("rowsApplied", o.rowsApplied());
            oc.put("error", o.error());
            json.put("outcome", oc);
        });
        return json;
    }

    boolean isTerminal() {
        return mirror.phase().isTerminal();
    }

    static String bar(int done, int total) {
        int width = 20;
        int filled = total == 0 ? 0 : (int) ((long) done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    static String count(long n) {
        if (n >= 10_000_000) {
            return String.format("%.1fM", n / 1e6);
        }
        if (n >= 10_000) {
            return String.format("%.1fk", n / 1e3);
        }
        return Long.toString(n);
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        return s / 3600 + "h" + (s % 3600) / 60 + "m";
    }
}
