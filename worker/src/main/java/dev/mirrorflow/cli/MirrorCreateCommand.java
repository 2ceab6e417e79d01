package dev.mirrorflow.cli;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.cli.spec.MirrorSpecParser;
import dev.mirrorflow.cli.spec.SpecException;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.MirrorState;
import dev.mirrorflow.worker.MirrorControl;
import dev.mirrorflow.worker.SecretKeySource;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.workflow.MirrorWorkflow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Creates a mirror from a YAML spec (see docs/mirror-spec.md) and starts its workflow.",
                "The spec, both peers, the source tables (keys, privileges, wal_level), the excluded columns and the "
                        + "destination user's privileges are checked first; "
                        + "on any problem nothing is written."})
final class MirrorCreateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StateDirOption stateDir;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "SPEC.yaml", description = "The mirror spec.")
    Path file;

    @Option(names = "--heartbeat-timeout", defaultValue = "8s", converter = DurationConverter.class,
            paramLabel = "D", description = "How long the load or stream of a worker that died waits before another"
                    + " worker takes it over (5s to 10m). Default: ${DEFAULT-VALUE}")
    java.time.Duration heartbeatTimeout;

    @Override
    public Integer call() {
        ArchiveWarmUp.startJooqInBackground();
        // Workers heartbeat every second while busy and a quarter of the timeout apart (1 to 3 s)
        // while idle: five seconds still leaves room for a few lost beats.
        if (heartbeatTimeout.compareTo(java.time.Duration.ofSeconds(5)) < 0
                || heartbeatTimeout.compareTo(java.time.Duration.ofMinutes(10)) > 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--heartbeat-timeout must be from 5s"
                    + " to 10m (activities heartbeat every 1 to 3 s), not " + DurationConverter.format(heartbeatTimeout));
        }
        // Read as a PostgreSQL source's spec first, so that a bad spec fails before anything is
        // opened; a MongoDB source's collections and fields read otherwise, once its peer is known.
        MirrorSpec parsed = null;
        SpecException unreadable = null;
        try {
            parsed = MirrorSpecParser.parse(file);
        } catch (SpecException e) {
            unreadable = e;
        }
        // Connecting to Temporal is a good part of this command's time (gRPC's start): it runs beside
        // the catalog and the checks, and is waited for before the catalog is written.
        try (TemporalConnecting connecting = TemporalConnecting.start(connection.temporalSettings());
                Catalog catalog = CatalogSession.openToRead(spec, connection.catalogConfig())) {
            MirrorSpec mirror = readFor(catalog, parsed, unreadable);
            CatalogSession.refuseDuringMaintenance(catalog, "create mirror " + mirror.name());
            if (catalog.mirrors().findLive(mirror.name()).isPresent()) {
                throw new UserError("a mirror named '" + mirror.name() + "' already exists; drop it first "
                        + "(mirrorflow mirror drop " + mirror.name() + ") or pick another name");
            }
            PeerStore peers = new PeerStore(catalog.peers(),
                    new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec)).existing().orElse(null));
            PeerConfig source = peers.open(mirror.source());
            PeerConfig destination = peers.open(mirror.destination());
            refuseSharedSourceObjects(catalog, mirror);
            // The source tables, the destination and what the spec asks of both, by the source's connector.
            Connectors.standard().of(source).validateMirror(new MirrorCheck(mirror, mirror, source, destination,
                    false, peers, () -> otherMirrors(catalog)));

            // Temporal is checked before the catalog is written, so an unreachable Temporal
            // leaves nothing behind.
            try (TemporalConnection temporal = connecting.connection()) {
                // The checks above take seconds: a maintenance window opened meanwhile still refuses.
                MaintenanceGuard.refuseIfActive(catalog);
                MirrorRow row = catalog.mirrors().create(new NewMirror(mirror.name(), mirror.source(),
                        mirror.destination(), MirrorSpecJson.write(mirror), MirrorWorkflow.workflowId(mirror.name())));
                try {
                    new MirrorControl(temporal).start(mirror.name(), MirrorState.initial(mirror.initialLoad(),
                            mirror.batchSize(), mirror.idleTimeoutMillis(), mirror.retry())
                            .withHeartbeatTimeout(heartbeatTimeout.toMillis()));
                } catch (RuntimeException e) {
                    // The row was written only to be read by the workflow that did not start.
                    if (!catalog.mirrors().deleteNeverStarted(row.id())) {
                        catalog.mirrors().markDropped(row.id());
                    }
                    throw new UserError("could not start the workflow of mirror " + mirror.name() + ": "
                            + TemporalConnection.describe(e) + "; nothing was kept, try again");
                }
            }
            spec.commandLine().getOut().printf("mirror %s created (workflow %s); follow it with: "
                    + "mirrorflow mirror status %s --watch%n", mirror.name(), MirrorWorkflow.workflowId(mirror.name()),
                    mirror.name());
            return 0;
        }
    }

    /**
     * A connection to Temporal being opened on a thread of its own. A failure to connect is
     * thrown by {@link #connection()}, where the command would have connected itself, so the
     * checks before still come first; a connection nobody took is closed.
     */
    private static final class TemporalConnecting implements AutoCloseable {

        private final java.util.concurrent.CompletableFuture<TemporalConnection> opening;
        private boolean taken;

        private TemporalConnecting(java.util.concurrent.CompletableFuture<TemporalConnection> opening) {
            this.opening = opening;
        }

        static TemporalConnecting start(TemporalConnection.Settings settings) {
            java.util.concurrent.CompletableFuture<TemporalConnection> opening = new java.util.concurrent.CompletableFuture<>();
            Thread connector = new Thread(() -> {
                try {
                    opening.complete(TemporalConnection.open(settings, "mirrorflow-cli"));
                } catch (Throwable e) {
                    opening.completeExceptionally(e);
                }
            }, "mirrorflow-cli-temporal-connect");
            connector.setDaemon(true);
            connector.start();
            return new TemporalConnecting(opening);
        }

        /** The connection, once open; the caller closes it. */
        TemporalConnection connection() {
            taken = true;
            try {
                return opening.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw e;
            }
        }

        @Override
        public void close() {
            if (!taken) {
                opening.thenAccept(TemporalConnection::close);
            }
        }
    }

    /**
     * The live mirrors as a check of a new mirror's destination tables needs them (their
     * destination peers and tables); a mirror whose stored spec cannot be read is left out.
     */
    /** The spec as its source's kind reads it (see {@link MirrorSpecParser.Reading}). */
    private MirrorSpec readFor(Catalog catalog, MirrorSpec parsed, SpecException unreadable) {
        Optional<String> sourcePeer = parsed != null ? Optional.of(parsed.source()) : MirrorSpecParser.sourcePeerOf(file);
        boolean documents = sourcePeer.flatMap(peer -> {
            try {
                return Optional.of(new PeerStore(catalog.peers()).typeOf(peer).excludesInsideDocuments());
            } catch (RuntimeException unknown) {
                return Optional.empty();
            }
        }).orElse(false);
        if (documents) {
            return MirrorSpecParser.parse(file, MirrorSpecParser.Reading.DOCUMENTS);
        }
        if (unreadable != null) {
            throw unreadable;
        }
        return parsed;
    }

    static List<MirrorCheck.OtherMirror> otherMirrors(Catalog catalog) {
        List<MirrorCheck.OtherMirror> others = new ArrayList<>();
        for (MirrorRow other : catalog.mirrors().listLive()) {
            MirrorSpec otherSpec;
            try {
                otherSpec = MirrorSpecJson.read(other.spec());
            } catch (RuntimeException e) {
                continue;
            }
            others.add(new MirrorCheck.OtherMirror(other.name(), otherSpec.destination(),
                    otherSpec.tables().stream().map(t -> TableId.parse(t.destination())).toList()));
        }
        return others;
    }

    /**
     * Two mirrors on one slot would each acknowledge the other's changes, and on one publication
     * each would stream the other's tables: refused while the other mirror lives. Slot names are
     * cluster-wide, so any live mirror counts; a publication only on the same source peer.
     */
    private static void refuseSharedSourceObjects(Catalog catalog, MirrorSpec mirror) {
        for (MirrorRow other : catalog.mirrors().listLive()) {
            MirrorSpec otherSpec;
            try {
                otherSpec = MirrorSpecJson.read(other.spec());
            } catch (RuntimeException e) {
                continue;
            }
            if (otherSpec.slot().equals(mirror.slot())) {
                throw new UserError("mirror " + other.name() + " already uses replication slot " + mirror.slot()
                        + "; name another one with sourceOptions.slot in this mirror's spec");
            }
            if (otherSpec.source().equals(mirror.source()) && otherSpec.publication().equals(mirror.publication())) {
                throw new UserError("mirror " + other.name() + " already uses publication " + mirror.publication()
                        + " on peer " + mirror.source() + "; name another one with sourceOptions.publication in this mirror's spec");
            }
        }
    }
}
