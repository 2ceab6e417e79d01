package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.worker.SecretKeySource;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Connects to a stored peer and reports the server version, wal_level and whether the "
                + "peer's user has the REPLICATION attribute (a source needs wal_level=logical and REPLICATION); "
                + "for MongoDB the version, the topology (a standalone cannot stream), the oplog window in hours "
                + "and whether the user may find and open change streams.",
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
        PeerConfig peer;
        try (Catalog catalog = Catalog.open(catalogOptions.catalogConfig())) {
            // Checking never creates a key: a new one could not decrypt what the old one encrypted.
            SecretKeySource keys = new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec));
            peer = new PeerStore(catalog.peers(), keys.existing().orElse(null)).open(name);
        }
        List<String> details = Connectors.standard().of(peer).describe(name, peer);

        PrintWriter out = spec.commandLine().getOut();
        out.printf("peer %s: %s %s%s: reachable%n", name, peer.type().id(), peer.location(),
                PeerCreateCommand.loginOf(peer));
        details.forEach(out::println);
        out.flush();
        return 0;
    }
}
