package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceMirror;
import dev.mirrorflow.catalog.MaintenanceRun;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.model.MaintenanceRequest;
import dev.mirrorflow.worker.MaintenanceControl;
import dev.mirrorflow.worker.TemporalConnection;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `mirrorflow maintenance ...`: pause every active mirror for an upgrade, and resume exactly those. */
@Command(name = "maintenance", mixinStandardHelpOptions = true,
        description = "Pause every active mirror for an upgrade (start), resume exactly those (end), and show the "
                + "window (status, from the catalog only).")
// Its subcommands are in CommandTree.
final class MaintenanceCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Opens a maintenance window: refuses new, resumed and changed mirrors from now on, "
                    + "records every active mirror, pauses them all (a load at its next partition boundary, a stream "
                    + "after its batch, a mirror in setup when setup is done) and waits until each is paused.",
                    "A second start while a window is open attaches to it. Exits 1 at --timeout, naming the mirrors "
                            + "still pausing; the window goes on pausing them."})
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--reason", defaultValue = "maintenance", description = "Shown in status and in the "
                + "refusals during the window. Default: ${DEFAULT-VALUE}")
        String reason;

        @Option(names = "--timeout", converter = DurationConverter.class,
                description = "How long to wait for the mirrors to pause (default: until they have).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            String cleaned = TerminalText.reason(reason);
            try (Catalog catalog = CatalogSession.open(connection)) {
                try (TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(), "mirrorflow-cli")) {
                    boolean started = new MaintenanceControl(temporal).start(new MaintenanceRequest(
                            cleaned == null || cleaned.isEmpty() ? "maintenance" : cleaned, startedBy(), false));
                    if (!started) {
                        out.println("a maintenance window is open already"
                                + catalog.maintenance().openRun().map(r -> " (" + r.id() + ", since " + r.startedAt()
                                        + ", " + TerminalText.reason(r.reason()) + ")").orElse("")
                                + "; attaching to it, no second window is opened");
                    }
                }
                out.flush();
                return awaitPaused(catalog, out);
            }
        }

        /** Follows the window in the catalog, printing progress, until no mirror is still pausing. */
        private int awaitPaused(Catalog catalog, PrintWriter out) throws InterruptedException {
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            Long runId = null;
            String lastProgress = null;
            while (true) {
                Optional<MaintenanceRun> run = runId == null ? catalog.maintenance().openRun()
                        : catalog.maintenance().find(runId);
                List<MaintenanceMirror> mirrors = List.of();
                if (run.isPresent()) {
                    runId = run.get().id();
                    mirrors = catalog.maintenance().mirrors(runId);
                    if (run.get().state() == MaintenanceRun.State.ACTIVE) {
                        out.println(summary(run.get(), mirrors));
                        return 0;
                    }
                    if (run.get().state() != MaintenanceRun.State.STARTING) {
                        out.println("maintenance " + runId + " is " + run.get().state().name().toLowerCase()
                                + ": it was ended before every mirror had paused (mirrorflow maintenance status)");
                        return MirrorflowCommand.FAILURE;
                    }
                    String progress = progress(catalog, mirrors);
                    if (!progress.equals(lastProgress)) {
                        out.println(progress);
                        out.flush();
                        lastProgress = progress;
                    }
                }
                if (System.nanoTime() > deadline) {
                    out.println(runId == null
                            ? "maintenance: no worker has opened the window within " + DurationConverter.format(timeout)
                                    + "; it opens when a worker runs (mirrorflow ping checks for one)"
                            : "maintenance " + runId + ": not every mirror paused within "
                                    + DurationConverter.format(timeout) + "; " + progress(catalog, mirrors)
                                    + "; the window goes on pausing them (mirrorflow maintenance status)");
                    return MirrorflowCommand.FAILURE;
                }
                Thread.sleep(500);
            }
        }

        private static String summary(MaintenanceRun run, List<MaintenanceMirror> mirrors) {
            List<String> paused = new ArrayList<>();
            List<String> others = new ArrayList<>();
            for (MaintenanceMirror m : mirrors) {
                if (m.state() == MaintenanceMirror.State.PAUSED && m.note() == null) {
                    paused.add(m.name());
                } else {
                    others.add(m.name() + " " + m.state().name().toLowerCase()
                            + (m.note() == null ? "" : " (" + TerminalText.clean(m.note()) + ")"));
                }
            }
            return "maintenance " + run.id() + " is on since " + run.startedAt() + ": "
                    + (paused.isEmpty() ? "no mirror paused" : paused.size() + " paused (" + String.join(", ", paused) + ")")
                    + (others.isEmpty() ? "" : "; " + String.join("; ", others))
                    + "; when done, run: mirrorflow maintenance end";
        }

        /** "3/5 paused, waiting for orders (loading, partition 17/40), events (streaming)". */
        private static String progress(Catalog catalog, List<MaintenanceMirror> mirrors) {
            List<String> waiting = new ArrayList<>();
            List<String> lost = new ArrayList<>();
            int paused = 0;
            for (MaintenanceMirror m : mirrors) {
                switch (m.state()) {
                    case PAUSING -> waiting.add(m.name() + " (" + catalog.mirrors().findById(m.mirrorId())
                            .map(row -> doing(catalog, row)).orElse("unknown") + ")");
                    case PAUSED -> paused++;
                    default -> lost.add(m.name() + " " + m.state().name().toLowerCase());
                }
            }
            return paused + "/" + mirrors.size() + " paused"
                    + (lost.isEmpty() ? "" : ", " + String.join(", ", lost))
                    + (waiting.isEmpty() ? "" : ", waiting for " + String.join(", ", waiting));
        }

        private static String doing(Catalog catalog, MirrorRow row) {
            SnapshotPartition.Progress load = catalog.snapshotPartitions().progress(row.id(),
                    Math.max(1, catalog.snapshotPartitions().latestGeneration(row.id())));
            boolean loading = load.partitionsTotal() > 0 && !load.isComplete();
            return switch (row.phase()) {
                case CREATED -> "waiting for a worker to set it up";
                case SETUP -> "setting up";
                case SNAPSHOT -> loading ? "loading, partition " + load.partitionsDone() + "/" + load.partitionsTotal()
                        : "loading";
                case PAUSING -> loading ? "loading, partition " + load.partitionsDone() + "/" + load.partitionsTotal()
                        : "finishing its batch";
                case RUNNING -> "streaming";
                default -> row.phase().name().toLowerCase();
            };
        }
    }

    @Command(name = "end", mixinStandardHelpOptions = true,
            description = "Ends the maintenance window: resumes exactly the mirrors it paused that are still paused "
                    + "by it (a load goes on with its unfinished partitions, a stream from its checkpoint), says "
                    + "which it skipped and why, then lifts the refusals. Without an open window it does nothing.")
    static final class End implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
                description = "How long to wait for the window to close. Default: ${DEFAULT-VALUE}")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (Catalog catalog = CatalogSession.open(connection);
                    TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(), "mirrorflow-cli")) {
                MaintenanceControl control = new MaintenanceControl(temporal);
                if (!control.signalEnd()) {
                    Optional<MaintenanceRun> open = catalog.maintenance().openRun();
                    if (open.isEmpty()) {
                        out.println("no maintenance window is open; nothing to end");
                        return 0;
                    }
                    // The window's workflow is gone (terminated, or forgotten by Temporal): a new
                    // run takes the open window over and ends it.
                    if (!control.start(new MaintenanceRequest(open.get().reason(), startedBy(), true))) {
                        control.signalEnd();
                    }
                }
                long runId;
                try {
                    runId = control.awaitEnd(timeout);
                } catch (TimeoutException e) {
                    throw new UserError("maintenance end requested, but the window did not close within "
                            + DurationConverter.format(timeout) + "; it needs a running worker (mirrorflow ping), and "
                            + "closes when one runs");
                }
                List<String> resumed = new ArrayList<>();
                List<String> skipped = new ArrayList<>();
                for (MaintenanceMirror m : catalog.maintenance().mirrors(runId)) {
                    if (m.state() == MaintenanceMirror.State.RESUMED) {
                        resumed.add(m.name());
                    } else {
                        skipped.add(m.name() + (m.note() == null ? "" : " (" + TerminalText.clean(m.note()) + ")"));
                    }
                }
                out.println("maintenance " + runId + " ended: "
                        + (resumed.isEmpty() ? "no mirror resumed" : "resumed " + String.join(", ", resumed))
                        + (skipped.isEmpty() ? "" : "; not resumed: " + String.join(", ", skipped)));
                return 0;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows whether a maintenance window is open, since when, why, who opened it, and where "
                    + "each mirror it recorded stands. Reads the catalog only, so it answers while Temporal is down.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        // Temporal's options are accepted, as by every command, but never used: status reads the catalog.
        @Mixin
        ConnectionOptions connection;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (Catalog catalog = CatalogSession.open(connection)) {
                Optional<MaintenanceRun> run = catalog.maintenance().openRun().or(() -> catalog.maintenance().latest());
                List<MaintenanceMirror> mirrors = run.map(r -> catalog.maintenance().mirrors(r.id())).orElse(List.of());
                boolean on = catalog.settings().isMaintenanceOn();
                if (json) {
                    out.println(CliJson.INDENTED.writeValueAsString(toJson(on, run, mirrors)));
                    return 0;
                }
                if (run.isEmpty()) {
                    out.println("maintenance: off (no window was ever opened)");
                    return 0;
                }
                MaintenanceRun r = run.get();
                if (r.isOpen()) {
                    out.println("maintenance " + r.id() + ": on since " + r.startedAt() + " ("
                            + TerminalText.reason(r.reason()) + "), " + r.state().name().toLowerCase()
                            + (r.startedBy() == null ? "" : ", started by " + TerminalText.clean(r.startedBy())));
                } else {
                    out.println("maintenance: off; the last window, " + r.id() + " (" + TerminalText.reason(r.reason())
                            + "), ran from " + r.startedAt() + " to " + r.endedAt()
                            + (r.startedBy() == null ? "" : ", started by " + TerminalText.clean(r.startedBy())));
                }
                for (MaintenanceMirror m : mirrors) {
                    out.printf("  %-24s %-8s %s%n", m.name(), m.state().name().toLowerCase(),
                            m.note() == null ? "" : TerminalText.clean(m.note()));
                }
                return 0;
            }
        }

        private static Map<String, Object> toJson(boolean on, Optional<MaintenanceRun> run,
                List<MaintenanceMirror> mirrors) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("on", on);
            run.ifPresent(r -> {
                json.put("id", r.id());
                json.put("state", r.state().name().toLowerCase());
                json.put("reason", r.reason());
                json.put("startedAt", r.startedAt().toString());
                json.put("endedAt", r.endedAt() == null ? null : r.endedAt().toString());
                json.put("startedBy", r.startedBy());
                List<Map<String, Object>> list = new ArrayList<>();
                for (MaintenanceMirror m : mirrors) {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("name", m.name());
                    one.put("state", m.state().name().toLowerCase());
                    one.put("note", m.note());
                    one.put("pausedAt", m.pausedAt() == null ? null : m.pausedAt().toString());
                    one.put("resumedAt", m.resumedAt() == null ? null : m.resumedAt().toString());
                    list.add(one);
                }
                json.put("mirrors", list);
            });
            return json;
        }
    }

    /** Who opened a window, for `maintenance status`: the user and the host the command ran on. */
    static String startedBy() {
        String user = System.getProperty("user.name", "unknown-user");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return user + "@" + host;
    }

}
