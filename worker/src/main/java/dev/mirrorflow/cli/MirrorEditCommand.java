package dev.mirrorflow.cli;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.cli.spec.MirrorSpecParser;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.SpecEdit;
import dev.mirrorflow.model.TableSpec;
import dev.mirrorflow.worker.MirrorControl;
import dev.mirrorflow.worker.SecretKeySource;
import dev.mirrorflow.worker.TemporalConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `mirrorflow mirror edit NAME -f SPEC`: changes what can change in a live mirror (tables added
 * or removed, batch size, idle timeout, retry, snapshot settings) and refuses the rest (see
 * {@link SpecEdit#between}). The tables it adds are checked as `mirror create` checks a new
 * mirror's; the edited spec is saved in the catalog and the workflow applies it at a batch
 * boundary, loading the added tables before it streams again.
 */
@Command(name = "edit", mixinStandardHelpOptions = true,
        description = {"Changes a mirror's spec: tables added (loaded first, then streamed) or removed (their "
                + "destination tables stay, no longer the mirror's), batchSize, idleTimeout, retry and snapshot.",
                "Peers, slot, publication, initialLoad and an existing table's destination or excluded columns "
                        + "cannot change. The added tables are checked as mirror create checks a new mirror's; on any "
                        + "problem nothing changes.",
                "A FAILED mirror keeps the edit and applies it first when it is resumed or resynced: this is how "
                        + "a mirror whose spec was wrong is repaired."})
final class MirrorEditCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StateDirOption stateDir;

    @Parameters(paramLabel = "NAME", description = "The mirror to edit; the spec must name it.")
    String name;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "SPEC.yaml",
            description = "The whole edited spec, as for mirror create.")
    Path file;

    @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
            description = "How long to wait for the edit to be applied (the added tables loaded); it goes on in the "
                    + "background after that. Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        MirrorSpec proposed = MirrorSpecParser.parse(file);
        PrintWriter out = spec.commandLine().getOut();
        try (Catalog catalog = CatalogSession.open(connection)) {
            CatalogSession.refuseDuringMaintenance(catalog, "edit mirror " + name);
            MirrorRow mirror = CatalogSession.liveMirror(catalog, name);
            if (!proposed.name().equals(name)) {
                throw new UserError(file + " is the spec of mirror " + proposed.name() + ", not " + name
                        + "; give the spec of " + name + " with its changes");
            }
            MirrorSpec stored = MirrorSpecJson.read(mirror.spec());
            boolean ended = mirror.phase() == MirrorPhase.FAILED;
            // A paused or FAILED mirror has not begun to apply its saved edit: it may be replaced.
            boolean replaceable = ended || mirror.phase() == MirrorPhase.PAUSED;
            Optional<String> pending = catalog.mirrors().pendingSpec(mirror.id());
            if (pending.isPresent() && !replaceable) {
                throw new UserError("an earlier edit of mirror " + name + " is still being applied; wait until "
                        + "mirrorflow mirror status " + name + " no longer shows it, then edit again");
            }
            SpecEdit edit;
            try {
                edit = SpecEdit.between(stored, proposed);
            } catch (IllegalArgumentException e) {
                throw new UserError("mirror " + name + ": " + e.getMessage() + "; nothing changed");
            }
            if (edit.isEmpty()) {
                if (pending.isPresent() && !ended) {
                    // The paused workflow holds the edit too: it hears that the spec stays.
                    try (TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(),
                            "mirrorflow-cli")) {
                        new MirrorControl(temporal).editSpec(name, edit);
                    }
                }
                if (pending.isPresent()) {
                    catalog.mirrors().withdrawPendingSpec(mirror.id(), pending.get());
                    out.printf("mirror %s: the spec is the one it runs with; the saved edit is withdrawn%n", name);
                } else {
                    out.printf("mirror %s: the spec is the one it runs with; nothing changed%n", name);
                }
                return 0;
            }
            if ((!edit.addedTables().isEmpty() || !edit.removedTables().isEmpty())
                    && new PeerStore(catalog.peers()).typeOf(stored.source()).excludesInsideDocuments()) {
                throw new UserError("mirror " + name + ": the collections of a MongoDB mirror cannot be added or"
                        + " removed by an edit yet; drop the mirror and create it with the new spec; nothing changed");
            }
            if (!edit.addedTables().isEmpty()) {
                checkAddedTables(catalog, proposed, edit);
            }
            String edited = MirrorSpecJson.write(proposed);
            if (ended) {
                catalog.mirrors().savePendingSpec(mirror.id(), edited);
                out.printf("mirror %s has FAILED; the edit (%s) is saved and applied first when the mirror runs again:"
                        + " mirrorflow mirror resume %s (or mirrorflow mirror resync %s)%n", name, edit.description(),
                        name, name);
                return 0;
            }
            // Temporal is reached before the catalog is written, and an edit no workflow heard of
            // is withdrawn: either the mirror applies it, or nothing changed.
            try (TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(), "mirrorflow-cli")) {
                long lastEvent = newestEventId(catalog, mirror);
                boolean saved = pending.isPresent() ? catalog.mirrors().savePendingSpec(mirror.id(), edited)
                        : catalog.mirrors().savePendingSpecIfNone(mirror.id(), edited);
                if (!saved) {
                    throw new UserError("another edit of mirror " + name + " was saved at the same moment; wait until"
                            + " mirrorflow mirror status " + name + " no longer shows it, then edit again; nothing changed");
                }
                try {
                    new MirrorControl(temporal).editSpec(name, edit);
                } catch (RuntimeException e) {
                    catalog.mirrors().withdrawPendingSpec(mirror.id(), edited);
                    throw new UserError("could not signal the workflow of mirror " + name + ": "
                            + (e instanceof MirrorControl.MirrorNotRunningException ? e.getMessage()
                                    : TemporalConnection.describe(e)) + "; nothing changed");
                }
                if (mirror.phase() == MirrorPhase.PAUSED) {
                    out.printf("mirror %s is paused; the edit (%s) is applied when it resumes (mirrorflow mirror resume"
                            + " %s)%n", name, edit.description(), name);
                    return 0;
                }
                return awaitApplied(catalog, mirror, edit, lastEvent, out);
            }
        }
    }

    /**
     * The checks `mirror create` makes, for the tables the edit adds: the source tables (keys,
     * replica identity, privileges; before the publication gets them, so that the source
     * application's writes never fail for them), the excluded columns, the destination user's
     * privileges and what the destination holds (not another mirror's table, not a table with
     * rows the load would keep).
     */
    private void checkAddedTables(Catalog catalog, MirrorSpec proposed, SpecEdit edit) {
        PeerStore peers = new PeerStore(catalog.peers(),
                new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec)).existing().orElse(null));
        PeerConfig source = peers.open(proposed.source());
        PeerConfig destination = peers.open(proposed.destination());
        List<TableSpec> addedTables = proposed.tables().stream()
                .filter(t -> edit.addedTables().contains(t.source())).toList();
        MirrorSpec added = proposed.withTables(addedTables);
        Connectors.standard().of(source).validateMirror(new MirrorCheck(proposed, added, source, destination, true,
                peers, () -> MirrorCreateCommand.otherMirrors(catalog)));
    }

    /** Waits until the workflow has applied the edit and says what it did, or that it goes on. */
    private int awaitApplied(Catalog catalog, MirrorRow mirror, SpecEdit edit, long lastEvent, PrintWriter out)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (catalog.mirrors().pendingSpec(mirror.id()).isEmpty()) {
                String applied = catalog.mirrors().history(mirror.id(), 50).stream()
                        .filter(e -> e.id() > lastEvent && e.kind() == MirrorEvent.Kind.EDIT)
                        .map(MirrorEvent::reason).reduce((a, b) -> b).orElse("spec edited: " + edit.description());
                out.printf("mirror %s: %s%n", name, applied);
                return 0;
            }
            MirrorRow now = catalog.mirrors().findById(mirror.id()).orElseThrow();
            if (!now.isLive()) {
                throw new UserError("mirror " + name + " was dropped while the edit was being applied");
            }
            if (now.phase() == MirrorPhase.FAILED) {
                throw new UserError("mirror " + name + " FAILED while applying the edit: "
                        + TerminalText.clean(String.valueOf(now.lastError())) + "; the edit stays saved: fix the cause"
                        + " or edit again, then run mirrorflow mirror resume " + name);
            }
            Thread.sleep(250);
        }
        out.printf("mirror %s: edit requested (%s) and still being applied (it needs a running worker: mirrorflow ping"
                + " checks for one); follow it with: mirrorflow mirror status %s --watch%n",
                name, edit.description(), name);
        return 0;
    }

    private static long newestEventId(Catalog catalog, MirrorRow mirror) {
        List<MirrorEvent> newest = catalog.mirrors().history(mirror.id(), 1);
        return newest.isEmpty() ? 0 : newest.get(0).id();
    }
}
