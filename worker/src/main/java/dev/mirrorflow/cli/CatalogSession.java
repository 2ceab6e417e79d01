package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.catalog.MirrorRow;
import java.sql.Connection;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/** Opens the catalog for one command and finds mirrors in it with user-facing errors. */
final class CatalogSession {

    private CatalogSession() {}

    static Catalog open(ConnectionOptions connection) {
        return Catalog.open(connection.catalogConfig());
    }

    /**
     * For a command that uses the catalog from its main thread only and ends (it may write, in
     * transactions of its own): one connection, no pool, logged in to while the command line was
     * parsed when the settings allowed it (see {@link CatalogPrefetch}).
     */
    static Catalog openToRead(CommandSpec command, CatalogConfig config) {
        Optional<Connection> prefetched = MirrorflowCommand.catalogPrefetch(command).take(config);
        return prefetched.isPresent() ? Catalog.openForOneCommand(config, prefetched.get())
                : Catalog.openForOneCommand(config);
    }

    /** The newest incarnation of a mirror, live or dropped: what status and history show. */
    static MirrorRow latestMirror(Catalog catalog, String name) {
        return catalog.mirrors().findLatest(name).orElseThrow(() -> new UserError(
                "no mirror named '" + name + "' in the catalog; see mirrorflow mirror list"));
    }

    /** The live mirror, for commands that act on it. */
    static MirrorRow liveMirror(Catalog catalog, String name) {
        return catalog.mirrors().findLive(name).orElseThrow(() -> new UserError(
                catalog.mirrors().findLatest(name).isPresent()
                        ? "mirror '" + name + "' was dropped; see mirrorflow mirror history " + name
                        : "no mirror named '" + name + "' in the catalog; see mirrorflow mirror list"));
    }

    /** Creating, resuming and changing mirrors wait until maintenance ends (see {@link MaintenanceGuard}). */
    static void refuseDuringMaintenance(Catalog catalog, String action) {
        MaintenanceGuard.refuseIfActive(catalog);
    }
}
