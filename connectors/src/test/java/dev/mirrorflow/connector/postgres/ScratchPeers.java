package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.net.URI;

/** Peers for the dev-env server and its scratch databases, as the superuser. */
public final class ScratchPeers {

    private ScratchPeers() {}

    /** The dev-env server in database {@code database}. */
    public static PostgresPeer server(String database) {
        URI uri = URI.create(ScratchDatabase.SERVER_URL.substring("jdbc:".length()));
        return PostgresPeer.of(uri.getHost(), uri.getPort(), database, ScratchDatabase.USER, ScratchDatabase.PASSWORD);
    }

    public static PostgresPeer of(ScratchDatabase db) {
        return server(db.name());
    }
}
