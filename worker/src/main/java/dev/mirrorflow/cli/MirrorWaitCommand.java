package dev.mirrorflow.cli;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.cli.spec.MirrorSpecParser;
import dev.mirrorflow.connector.CaughtUpProbe;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.worker.SecretKeySource;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "wait", mixinStandardHelpOptions = true,
        description = {"Waits until the destination has applied everything the source had committed when the "
                + "command was called (--caught-up). For scripts and tests."})
final class MirrorWaitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StateDirOption stateDir;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--caught-up", required = true, description = "Wait until caught up with the source.")
    boolean caughtUp;

    @Option(names = "--timeout", defaultValue = "10m", converter = DurationConverter.class,
            description = "Give up after this long (exit 1). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        try (Catalog catalog = CatalogSession.open(connection)) {
            MirrorRow row = CatalogSession.liveMirror(catalog, name);
            MirrorSpec mirror = MirrorSpecJson.read(row.spec());
            PeerConfig source = new PeerStore(catalog.peers(),
                    new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec)).existing().orElse(null))
                    .open(mirror.source());
            long deadline = System.nanoTime() + timeout.toNanos();
            // A mark in the source's change log after everything committed so far: once the
            // mirror's stream is confirmed past it, everything before it reached the destination.
            long mirrorId = row.id();
            try (CaughtUpProbe probe = Connectors.standard().of(source).caughtUp(source, mirror,
                    () -> java.util.Optional.ofNullable(catalog.cdcBatches().totals(mirrorId).lastPosition()))) {
                String target = probe.target();
                while (System.nanoTime() < deadline) {
                    boolean past = probe.reached();
                    // A slot created for a load (the first, or a resync's) starts past the marker
                    // while the load still copies: only a streaming mirror's slot position counts.
                    // The phase is read after the position: a new slot exists only once the
                    // catalog has left RUNNING, and it is RUNNING again only after the load.
                    MirrorRow now = CatalogSession.latestMirror(catalog, name);
                    if (past && now.phase() == MirrorPhase.RUNNING) {
                        spec.commandLine().getOut().printf("mirror %s caught up: the destination has everything the "
                                + "source committed up to %s%n", name, target);
                        return 0;
                    }
                    if (now.phase().isTerminal()) {
                        throw new UserError("mirror " + name + " ended (" + now.phase() + ") before catching up"
                                + (now.lastError() == null ? "" : ": " + now.lastError()));
                    }
                    Thread.sleep(250);
                }
                throw new UserError("mirror " + name + " did not catch up within " + DurationConverter.format(timeout)
                        + ": its slot is at " + probe.position() + ", waiting for " + target
                        + "; see mirrorflow mirror status " + name);
            }
        }
    }
}
