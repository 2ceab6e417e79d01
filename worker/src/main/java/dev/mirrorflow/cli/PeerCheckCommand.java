package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.postgres.peer.PeerProbe;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.worker.SecretKeySource;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Connects to a stored peer and reports the server version, wal_level and whether the "
                + "peer's user has the REPLICATION attribute (a source needs wal_level=logical and REPLICATION).",
                "Exits 1 with one line when the peer cannot be reached or logged in to."})
final class PeerCheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CatalogOptions catalogOptions;

    @Mixin
    StateDirOption stateDir;

    @Parameters(index = "0", paramLabel = "NAME", description = "The peer to check.")
    String name;

    @Override
    public Integer call() {
        PeerStore.requireValidName(name);
        PostgresPeer peer;
        try (Catalog catalog = Catalog.open(catalogOptions.catalogConfig())) {
            // Checking never creates a key: a new one could not decrypt what the old one encrypted.
            SecretKeySource keys = new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec));
            peer = new PeerStore(catalog.peers(), keys.existing().orElse(null)).postgres(name);
        }
        PeerProbe.ServerInfo server = PeerProbe.describe(name, peer);

        PrintWriter out = spec.commandLine().getOut();
        out.printf("peer %s: postgres %s, user %s: reachable%n", name, peer.location(), peer.user());
        out.printf("  server version  %s%n", server.version());
        out.printf("  wal_level       %s%n", "logical".equals(server.walLevel()) ? server.walLevel()
                : server.walLevel() + " (a source needs logical: ALTER SYSTEM SET wal_level = logical, then restart"
                        + " PostgreSQL)");
        out.printf("  replication     %s%n", server.superuser() ? "yes (superuser)"
                : server.replication() ? "yes"
                : "no (a source's user needs it: ALTER ROLE " + peer.user() + " REPLICATION)");
        out.flush();
        return 0;
    }
}
