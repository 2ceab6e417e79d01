package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.UnknownPeerException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "drop", mixinStandardHelpOptions = true,
        description = "Removes a peer from the catalog. Refused while a mirror that is not dropped uses it.")
final class PeerDropCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CatalogOptions catalogOptions;

    @Parameters(index = "0", paramLabel = "NAME", description = "The peer to drop.")
    String name;

    @Override
    public Integer call() {
        PeerStore.requireValidName(name);
        try (Catalog catalog = Catalog.open(catalogOptions.catalogConfig())) {
            if (!new PeerStore(catalog.peers()).drop(name)) {
                throw new UnknownPeerException(name);
            }
        }
        spec.commandLine().getOut().printf("dropped peer %s%n", name);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
