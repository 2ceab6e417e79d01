package dev.mirrorflow.cli;

import dev.mirrorflow.activities.CatalogPhases;
import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorOutcome;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.cli.spec.MirrorSpecParser;
import dev.mirrorflow.connector.ConnectorMessages;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.worker.MirrorControl;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.workflow.MirrorWorkflow;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `mirrorflow mirror ...`: create, watch and steer mirrors. */
@Command(name = "mirror", mixinStandardHelpOptions = true,
        description = "Create, inspect and steer mirrors. Status and history read only the catalog.")
// Its subcommands are in CommandTree.
final class MirrorCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists live mirrors (from the catalog).")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Catalog catalog = CatalogSession.openToRead(spec, connection.catalogConfig())) {
                java.util.List<MirrorRow> mirrors = catalog.mirrors().listLive();
                if (mirrors.isEmpty()) {
                    out.println("no mirrors; create one with: mirrorflow mirror create -f spec.yaml");
                    return 0;
                }
                out.printf("%-24s %-11s %-16s %-16s %s%n", "NAME", "PHASE", "SOURCE", "DESTINATION", "SINCE");
                for (MirrorRow m : mirrors) {
                    out.printf("%-24s %-11s %-16s %-16s %s%n", m.name(), m.phase(), m.sourcePeer(),
                            m.destinationPeer(), m.phaseSince());
                }
                return 0;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows a mirror's phase, load progress and stream from the catalog; works while "
                    + "Temporal is down and after Temporal has forgotten the workflow.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Mixin
        StateDirOption stateDir;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(names = "--watch", description = "Refresh every 2 seconds until the mirror ends or Ctrl-C.")
        boolean watch;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            // Watching keeps the catalog open for as long as the user likes: the pool reconnects after
            // the catalog restarts, where one connection would end the watch.
            try (Catalog catalog = watch ? CatalogSession.open(connection)
                    : CatalogSession.openToRead(spec, connection.catalogConfig())) {
                while (true) {
                    MirrorRow mirror = CatalogSession.latestMirror(catalog, name);
                    // The source is asked while the rest of the catalog is read.
                    CdcBatch.Totals stream = catalog.cdcBatches().totals(mirror.id());
                    java.util.function.Supplier<SourceLag> lag = mirror.isLive() && !mirror.phase().isTerminal()
                            ? SourceLag.start(catalog, mirror, stream.lastPosition(), stateDir.resolve(),
                                    MirrorflowCommand.environment(spec))
                            : null;
                    MirrorStatusView view = MirrorStatusView.read(catalog, mirror, stream, lag);
                    if (json) {
                        out.println(CliJson.INDENTED.writeValueAsString(view.toJson()));
                    } else {
                        if (watch) {
                            out.print("\033[H\033[2J");
                        }
                        out.print(view.render(Instant.now()));
                    }
                    out.flush();
                    if (!watch || view.isTerminal()) {
                        return 0;
                    }
                    Thread.sleep(2000);
                }
            }
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "Shows a mirror's phase changes and errors from the catalog, oldest first; also for "
                    + "dropped mirrors and long after Temporal has forgotten them.")
    static final class History implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--limit", defaultValue = "100", description = "Newest entries to show. Default: ${DEFAULT-VALUE}")
        int limit;

        @Override
        public Integer call() {
            if (limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be a whole number from 1 up, not " + limit);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Catalog catalog = CatalogSession.open(connection)) {
                MirrorRow mirror = CatalogSession.latestMirror(catalog, name);
                java.util.List<MirrorEvent> events = catalog.mirrors().history(mirror.id(), limit);
                // A mirror may end more than once (failed, then resynced): each run's outcome
                // stands where it ended, among the events, and what the mirror is now comes last.
                java.util.Deque<MirrorOutcome> outcomes = new java.util.ArrayDeque<>(catalog.mirrors().outcomes(mirror.id()));
                if (!events.isEmpty()) {
                    outcomes.removeIf(o -> o.closedAt().isBefore(events.get(0).occurredAt()));
                }
                for (MirrorEvent e : events) {
                    while (!outcomes.isEmpty() && outcomes.peekFirst().closedAt().isBefore(e.occurredAt())) {
                        out.println(outcomeLine(outcomes.removeFirst()));
                    }
                    StringBuilder line = new StringBuilder().append(e.occurredAt()).append("  ")
                            .append(String.format("%-6s", e.kind()));
                    if (e.phase() != null) {
                        line.append(' ').append(e.phase());
                    }
                    if (e.reason() != null) {
                        line.append("  ").append(TerminalText.reason(e.reason()));
                    }
                    if (e.error() != null) {
                        line.append("  error: ").append(TerminalText.clean(e.error()));
                    }
                    out.println(line);
                }
                outcomes.forEach(o -> out.println(outcomeLine(o)));
                out.println(currentLine(mirror));
                return 0;
            }
        }

        private static String outcomeLine(MirrorOutcome o) {
            return String.format("outcome: %s at %s, %d rows loaded, %d rows streamed in %d batches, last position %s%s",
                    o.finalPhase(), o.closedAt(), o.rowsSnapshotted(), o.rowsApplied(), o.batches(),
                    o.lastCheckpoint(), o.error() == null ? "" : ", error: " + TerminalText.clean(o.error()));
        }

        private static String currentLine(MirrorRow m) {
            return "now: " + m.phase() + " since " + m.phaseSince()
                    + (m.phaseReason() == null ? "" : ", " + TerminalText.reason(m.phaseReason()))
                    + (m.isLive() ? "" : ", dropped at " + m.droppedAt());
        }
    }

    /**
     * A new run of a FAILED mirror applies the edit saved meanwhile (`mirror edit` of a FAILED
     * mirror) before anything else: that is how a mirror whose spec was wrong is repaired.
     */
    static MirrorState withSavedEdit(Catalog catalog, MirrorRow mirror, MirrorSpec stored, MirrorState state) {
        return catalog.mirrors().pendingSpec(mirror.id())
                .map(json -> state.withPendingEdit(dev.mirrorflow.model.SpecEdit.between(stored,
                        MirrorSpecJson.read(json))))
                .orElse(state);
    }

    /** The shared shape of the commands that signal one live mirror. */
    abstract static class Signalling implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Parameters(paramLabel = "NAME")
        String name;

        /** What the command does, for messages. */
        abstract String action();

        /** Sends the signal. */
        abstract void signal(MirrorControl control);

        /** Checks against the catalog before signalling. */
        void check(Catalog catalog, MirrorRow mirror) {}

        /**
         * What to say instead of signalling when the catalog shows the mirror already where the
         * command would take it, or null to signal.
         */
        String unchanged(MirrorRow mirror) {
            return null;
        }

        /** What to do when the mirror's workflow does not run: say so. */
        void notRunning(MirrorControl control, Catalog catalog, MirrorRow mirror,
                MirrorControl.MirrorNotRunningException e) {
            throw new UserError(e.getMessage());
        }

        @Override
        public Integer call() throws Exception {
            try (Catalog catalog = CatalogSession.open(connection)) {
                MirrorRow mirror = CatalogSession.liveMirror(catalog, name);
                check(catalog, mirror);
                String unchanged = unchanged(mirror);
                if (unchanged != null) {
                    spec.commandLine().getOut().println(unchanged);
                    return 0;
                }
                try (TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(), "mirrorflow-cli")) {
                    MirrorControl control = new MirrorControl(temporal);
                    try {
                        signal(control);
                    } catch (MirrorControl.MirrorNotRunningException e) {
                        notRunning(control, catalog, mirror, e);
                    }
                    after(control, catalog, mirror);
                }
            }
            return 0;
        }

        void after(MirrorControl control, Catalog catalog, MirrorRow mirror) throws Exception {
            spec.commandLine().getOut().printf("%s requested for mirror %s; follow it with: mirrorflow mirror status %s --watch%n",
                    action(), name, name);
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pauses a mirror: the initial load at the next partition boundary, the stream after "
                    + "its current batch.")
    static final class Pause extends Signalling {
        @Option(names = "--reason", defaultValue = "paused by request", description = "Shown in status and history.")
        String reason;

        @Override
        String action() {
            return "pause";
        }

        @Override
        String unchanged(MirrorRow mirror) {
            // Paused by a maintenance window, a mirror paused by its user too stays paused after the window.
            boolean byMaintenance = mirror.phaseReason() != null
                    && mirror.phaseReason().startsWith(MirrorWorkflow.MAINTENANCE_PAUSE_PREFIX);
            return mirror.phase() == MirrorPhase.PAUSED && !byMaintenance
                    ? "mirror " + name + " is already paused; nothing changed" : null;
        }

        @Override
        void signal(MirrorControl control) {
            // The reason reaches other operators' terminals through status and history.
            String cleaned = TerminalText.reason(reason);
            control.pause(name, cleaned == null || cleaned.isEmpty() ? "paused by request" : cleaned);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resumes a paused mirror, or from its checkpoint a mirror that FAILED while streaming.")
    static final class Resume extends Signalling {
        @Override
        String action() {
            return "resume";
        }

        @Override
        void check(Catalog catalog, MirrorRow mirror) {
            CatalogSession.refuseDuringMaintenance(catalog, "resume mirror " + name);
            if (mirror.phase() == MirrorPhase.FAILED) {
                String whyNot = whyNotResumable(catalog, mirror);
                if (whyNot != null) {
                    throw new UserError("mirror " + name + " has FAILED " + whyNot + ", so it cannot be resumed; fix"
                            + " the cause (mirrorflow mirror status " + name + " shows it), then run mirrorflow mirror"
                            + " resync " + name + " to load it afresh and stream again, or mirrorflow mirror drop "
                            + name + " to remove it");
                }
            }
        }

        /**
         * Why a FAILED mirror cannot go on from its checkpoint, or null when it can: it failed
         * while streaming, after its load, and still has its slot. The stream checks the slot
         * again itself; a failure before the load completed leaves no checkpoint to go on from,
         * and after a lost slot the changes since the checkpoint are gone.
         */
        private String whyNotResumable(Catalog catalog, MirrorRow mirror) {
            if (mirror.lastError() != null && mirror.lastError().contains("replication slot ")
                    && mirror.lastError().contains(" no longer exists")) {
                return "after losing its replication slot (the changes since its checkpoint are gone)";
            }
            if (mirror.lastError() != null && mirror.lastError().contains(ConnectorMessages.RESYNC_NEEDED)) {
                return "with its destination tables gone or unusable";
            }
            java.util.List<MirrorEvent> history = catalog.mirrors().history(mirror.id(), 1000);
            for (int i = history.size() - 1; i >= 0; i--) {
                MirrorEvent event = history.get(i);
                if (event.kind() == MirrorEvent.Kind.PHASE && event.phase() != null
                        && event.phase() != MirrorPhase.FAILED) {
                    boolean streamedBefore = event.phase() == MirrorPhase.RUNNING
                            || (event.reason() != null && event.reason().startsWith(MirrorWorkflow.EDIT_LOAD_REASON));
                    return streamedBefore ? null
                            : "in " + event.phase() + ", before it streamed (there is no checkpoint to go on from)";
                }
            }
            return "before it streamed (there is no checkpoint to go on from)";
        }

        /**
         * A mirror that is loading or streaming has nothing to resume. (A pause that was asked for
         * and not yet reached still shows the old phase; resume once it shows PAUSED.)
         */
        @Override
        String unchanged(MirrorRow mirror) {
            return mirror.phase() == MirrorPhase.PAUSED || mirror.phase().isTerminal() ? null
                    : "mirror " + name + " is not paused (it is " + mirror.phase() + "); nothing changed";
        }

        @Override
        void signal(MirrorControl control) {
            control.resume(name);
        }

        /**
         * A FAILED mirror's workflow has ended; one that failed while streaming (the check above
         * made sure) goes on from its checkpoint in a new run, as it would after a pause.
         */
        @Override
        void notRunning(MirrorControl control, Catalog catalog, MirrorRow mirror,
                MirrorControl.MirrorNotRunningException e) {
            if (mirror.phase() != MirrorPhase.FAILED) {
                throw new UserError(e.getMessage());
            }
            MirrorSpec stored = MirrorSpecJson.read(mirror.spec());
            // From the failed run's own final state, so that settings updateConfig changed stay.
            MirrorState state = control.finalState(name)
                    .filter(last -> last.phase() == dev.mirrorflow.model.Phase.FAILED)
                    .map(MirrorState::resumeAfterThisFailure)
                    .orElseGet(() -> MirrorState.resumeAfterFailure(
                            Math.max(1, catalog.snapshotPartitions().latestGeneration(mirror.id())), stored.batchSize(),
                            stored.idleTimeoutMillis(), stored.retry(),
                            catalog.mirrors().history(mirror.id(), 100_000).size()));
            control.start(name, withSavedEdit(catalog, mirror, stored, state));
        }
    }

    @Command(name = "resync", mixinStandardHelpOptions = true,
            description = "Drops and reloads the destination tables from a fresh snapshot, then streams again.")
    static final class Resync extends Signalling {
        @Option(names = "--timeout", defaultValue = "30s", converter = DurationConverter.class,
                description = "How long to wait for the workflow to take the resync up. Default: ${DEFAULT-VALUE}")
        Duration timeout;

        /** How far the running workflow got with the resync; null when a new run was started. */
        private MirrorControl.ResyncProgress progress;

        @Override
        String action() {
            return "resync";
        }

        @Override
        void check(Catalog catalog, MirrorRow mirror) {
            CatalogSession.refuseDuringMaintenance(catalog, "resync mirror " + name);
        }

        /**
         * Asks the running workflow, which answers once it has taken the resync up (stopped what
         * it did and recorded the resync in the catalog), so that what runs next, such as {@code
         * mirror wait --caught-up}, waits for the reload rather than trusting the old stream.
         */
        @Override
        void signal(MirrorControl control) {
            try {
                progress = control.startResync(name, timeout);
            } catch (MirrorControl.RequestRefusedException e) {
                throw new UserError(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while waiting for mirror " + name + " to take the resync up");
            }
        }

        @Override
        void after(MirrorControl control, Catalog catalog, MirrorRow mirror) {
            PrintWriter out = spec.commandLine().getOut();
            if (progress == MirrorControl.ResyncProgress.WAITING_FOR_A_WORKER) {
                out.printf("resync requested for mirror %s; it starts when a worker takes it up (mirrorflow ping "
                        + "checks for one); follow it with: mirrorflow mirror status %s --watch%n", name, name);
            } else if (progress == MirrorControl.ResyncProgress.ACCEPTED) {
                out.printf("resync requested for mirror %s; it starts once the mirror has stopped what it is doing; "
                        + "follow it with: mirrorflow mirror status %s --watch%n", name, name);
            } else {
                out.printf("resync requested for mirror %s and started; follow it with: "
                        + "mirrorflow mirror status %s --watch%n", name, name);
            }
        }

        /**
         * A FAILED mirror's workflow has ended, and a resync is how such a mirror comes back (the
         * failure's message says so): a new run of its workflow starts from the state the failed
         * run ended with, with the resync requested, so that settings changed since the mirror was
         * created stay. Only when Temporal no longer keeps that run does the state come from the
         * catalog and the stored spec.
         */
        @Override
        void notRunning(MirrorControl control, Catalog catalog, MirrorRow mirror,
                MirrorControl.MirrorNotRunningException e) {
            if (mirror.phase() != MirrorPhase.FAILED) {
                throw new UserError(e.getMessage());
            }
            MirrorSpec stored = MirrorSpecJson.read(mirror.spec());
            MirrorState state = control.finalState(name)
                    .filter(last -> last.phase() == dev.mirrorflow.model.Phase.FAILED)
                    .map(MirrorState::resyncAfterThisFailure)
                    .orElseGet(() -> {
                        spec.commandLine().getOut().printf("mirror %s's failed run is no longer kept by Temporal; "
                                + "it resyncs with the batch size and idle timeout of its spec%n", name);
                        return MirrorState.resyncAfterFailure(
                                Math.max(1, catalog.snapshotPartitions().latestGeneration(mirror.id())),
                                stored.batchSize(), stored.idleTimeoutMillis(), stored.retry(),
                                catalog.mirrors().history(mirror.id(), 100_000).size());
                    });
            try {
                progress = control.startWithResync(name, withSavedEdit(catalog, mirror, stored, state), timeout);
            } catch (MirrorControl.RequestRefusedException refused) {
                throw new UserError(refused.getMessage());
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while waiting for mirror " + name + " to take the resync up");
            }
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true,
            description = {"Ends a mirror in any phase (running, paused, retrying, FAILED, or forgotten by "
                    + "Temporal): removes its replication slot and publication (and with --drop-destination its "
                    + "destination tables), records the outcome, and waits for the workflow to end.",
                    "A slot another process streams from is not dropped; whatever could not be removed is named "
                            + "with the SQL that removes it, and the command exits 1."})
    static final class Drop extends Signalling {
        @Option(names = "--drop-destination", description = "Also drop the destination tables mirrorflow created "
                + "(a table that existed before the mirror, or another mirror's, is kept).")
        boolean dropDestination;

        @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
                description = "How long to wait for the workflow to end. Default: ${DEFAULT-VALUE}")
        Duration timeout;

        /** How long a mirror no worker has set up yet waits for one before the CLI drops it alone. */
        static final Duration UNSTARTED_GRACE = Duration.ofSeconds(10);

        @Override
        String action() {
            return "drop";
        }

        @Override
        void signal(MirrorControl control) {
            control.terminate(name, dropDestination);
        }

        /**
         * The workflow has ended (FAILED) or Temporal no longer knows it (retention, or someone
         * terminated it): a new run of it does nothing but the teardown, so that the slot and the
         * publication go the same way as for a running mirror.
         */
        @Override
        void notRunning(MirrorControl control, Catalog catalog, MirrorRow mirror,
                MirrorControl.MirrorNotRunningException e) {
            startDropRun(control, catalog, mirror);
        }

        private void startDropRun(MirrorControl control, Catalog catalog, MirrorRow mirror) {
            MirrorSpec stored = MirrorSpecJson.read(mirror.spec());
            MirrorState state = MirrorState.dropAfterEnd(CatalogPhases.fromCatalog(mirror.phase()),
                    Math.max(1, catalog.snapshotPartitions().latestGeneration(mirror.id())), dropDestination,
                    stored.batchSize(), stored.idleTimeoutMillis(), stored.retry(),
                    catalog.mirrors().history(mirror.id(), 100_000).size());
            try {
                control.start(name, state);
            } catch (MirrorControl.MirrorNotRunningException alreadyRunning) {
                // A run started meanwhile (a resync, say): it takes the signal instead.
                control.terminate(name, dropDestination);
            }
        }

        @Override
        void after(MirrorControl control, Catalog catalog, MirrorRow mirror) throws Exception {
            if (mirror.phase() == MirrorPhase.CREATED && !ended(control, min(timeout, UNSTARTED_GRACE))) {
                // No worker has recorded a phase, so no worker set anything up yet: the run is
                // stopped where it stands, and if it still had not begun its setup, the mirror is
                // dropped in the catalog alone. If a worker began meanwhile, a drop run undoes it.
                String runId = control.terminateWorkflow(name, "dropped before any worker set the mirror up")
                        .orElse("none");
                MirrorRow now = catalog.mirrors().findById(mirror.id()).orElseThrow();
                if (now.phase() == MirrorPhase.CREATED) {
                    catalog.mirrors().recordOutcome(new MirrorOutcome(mirror.id(), runId, MirrorPhase.TERMINATED, 0,
                            0, 0, null, null, null));
                    catalog.mirrors().markDropped(mirror.id());
                    spec.commandLine().getOut().printf("mirror %s dropped; no worker had set it up, so there was "
                            + "nothing to remove at the source or the destination%n", name);
                    return;
                }
                startDropRun(control, catalog, now);
            }
            if (!ended(control, timeout)) {
                throw new UserError("mirror " + name + " did not finish dropping within "
                        + DurationConverter.format(timeout) + "; it needs a running worker (mirrorflow ping), and "
                        + "the drop goes on when one runs");
            }
            MirrorRow dropped = catalog.mirrors().findById(mirror.id()).orElseThrow();
            String leftBehind = catalog.mirrors().latestOutcome(mirror.id()).map(MirrorOutcome::error).orElse(null);
            if (dropped.droppedAt() == null) {
                throw new UserError("mirror " + name + " ended without being dropped"
                        + (leftBehind == null ? "" : ": " + leftBehind) + "; see mirrorflow mirror history " + name);
            }
            if (leftBehind != null) {
                String self = "mirror " + name + " ";
                throw new UserError("mirror " + name + " dropped, but "
                        + (leftBehind.startsWith(self) ? "it " + leftBehind.substring(self.length()) : leftBehind));
            }
            String kept = catalog.mirrors().history(mirror.id(), 20).stream()
                    .filter(e -> e.kind() == MirrorEvent.Kind.INFO && e.reason() != null
                            && e.reason().startsWith(dev.mirrorflow.model.TeardownRequest.KEPT_TABLES))
                    .map(MirrorEvent::reason).reduce((a, b) -> b).orElse(null);
            spec.commandLine().getOut().printf("mirror %s dropped%s%n", name, !dropDestination ? ""
                    : kept == null ? " with its destination tables" : " with the destination tables mirrorflow created"
                            + " for it; " + kept);
        }

        private boolean ended(MirrorControl control, Duration wait) {
            try {
                control.awaitEnd(name, wait);
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            }
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }
    }
}
