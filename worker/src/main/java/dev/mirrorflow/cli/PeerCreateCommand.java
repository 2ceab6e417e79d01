package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.connector.Connector;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.PeerType;
import dev.mirrorflow.worker.SecretKeySource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Stores a new peer after checking that it is reachable (connects, logs in and runs SELECT 1 "
                + "on PostgreSQL, ping on MongoDB). Nothing is stored when the check fails.",
                "The password comes from a file, never from the URL or a flag. It is stored encrypted with the "
                + "secret key (MIRRORFLOW_SECRET_KEY, else <state dir>/secret.key, created on first use); every "
                + "worker needs the same key."},
        footer = {"", "Example:",
                "  mirrorflow peer create shop_src --type postgres \\",
                "      --url 'postgres://cdc@db1.example:5432/shop?sslmode=require' \\",
                "      --password-file ~/.secrets/shop_src",
                "  mirrorflow peer create docs_src --type mongodb \\",
                "      --url 'mongodb://cdc@mongo1.example:27017/?replicaSet=rs0&authSource=admin' \\",
                "      --password-file ~/.secrets/docs_src"})
final class PeerCreateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CatalogOptions catalogOptions;

    @Mixin
    StateDirOption stateDir;

    @Parameters(index = "0", paramLabel = "NAME",
            description = "The peer's name: a lowercase letter, then up to 62 lowercase letters, digits or underscores.")
    String name;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "The database type: postgres or mongodb.")
    String type;

    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "postgres://USER@HOST[:PORT]/DATABASE[?sslmode=...] or "
                    + "jdbc:postgresql://HOST[:PORT]/DATABASE?user=USER[&sslmode=...]; for mongodb "
                    + "mongodb://USER@HOST[:PORT][,HOST...]/?replicaSet=NAME&authSource=admin[&tls=true...] or "
                    + "mongodb+srv://USER@CLUSTER-HOST/?authSource=admin; without a password.")
    String url;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "A file holding the peer's password on one line. Leave out for a login without password.")
    Path passwordFile;

    @Option(names = "--no-check", description = "Store the peer without checking that it is reachable.")
    boolean noCheck;

    @Override
    public Integer call() {
        // Everything the user typed is checked before anything is opened, so a typo costs no connection.
        PeerStore.requireValidName(name);
        Connector connector = Connectors.standard().require(PeerType.parse(type));
        PeerConfig peer = connector.codec().parseUrl(url);
        if (passwordFile != null) {
            peer = connector.codec().withPassword(peer, PasswordFile.read(passwordFile));
        }

        try (Catalog catalog = Catalog.open(catalogOptions.catalogConfig())) {
            new PeerStore(catalog.peers()).requireNameFree(name);
            if (!noCheck) {
                connector.ping(name, peer);
            }
            SecretKeySource keys = new SecretKeySource(stateDir.resolve(), MirrorflowCommand.environment(spec));
            SecretCipher cipher = keys.obtain();
            new PeerStore(catalog.peers(), cipher).create(name, peer);
            spec.commandLine().getOut().printf("created peer %s: %s %s%s (%s); secrets encrypted with"
                    + " key %s%n", name, peer.type().id(), peer.location(), loginOf(peer),
                    noCheck ? "not checked" : "reachable", cipher.keyId());
            return 0;
        }
    }

    /** {@code ", user NAME"}, or nothing for a peer that logs in as nobody (a MongoDB without access control). */
    static String loginOf(PeerConfig peer) {
        return peer.user() == null ? "" : ", user " + peer.user();
    }
}
