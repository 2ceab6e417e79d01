package dev.mirrorflow.cli;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.worker.SecretKeySource;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * How far a mirror's slot is behind its source: the source's current WAL position minus the
 * position the slot has confirmed, i.e. WAL the destination has not got yet (or that was
 * quiet WAL not yet confirmed). Asked of the source with short timeouts; status works without it.
 */
record SourceLag(Long bytes, String unavailableBecause) {

    static SourceLag of(Catalog catalog, MirrorRow mirror, Path stateDir, Function<String, String> environment) {
        try {
            MirrorSpec spec = MirrorSpecJson.read(mirror.spec());
            PostgresPeer peer = new PeerStore(catalog.peers(),
                    new SecretKeySource(stateDir, environment).existing().orElse(null)).postgres(spec.source());
            Map<String, String> quick = new HashMap<>(peer.properties());
            quick.putIfAbsent("connectTimeout", "3");
            quick.putIfAbsent("loginTimeout", "3");
            quick.putIfAbsent("socketTimeout", "5");
            PostgresPeer fast = new PostgresPeer(peer.host(), peer.port(), peer.database(), peer.user(),
                    peer.password(), quick);
            String slot = spec.slot();
            try (Connection c = fast.connect()) {
                return SlotPositions.read(c, slot, 5)
                        .map(p -> new SourceLag(p.unconfirmedBytes().orElse(0), null))
                        .orElse(new SourceLag(null, "no replication slot yet"));
            }
        } catch (Exception e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new SourceLag(null, "source not reachable: " + m);
        }
    }

    String render() {
        if (bytes == null) {
            return "unknown (" + unavailableBecause + ")";
        }
        if (bytes < 1024) {
            return bytes + " bytes of WAL behind the source";
        }
        return String.format("%.1f %s of WAL behind the source", bytes >= 1 << 20 ? bytes / 1048576.0 : bytes / 1024.0,
                bytes >= 1 << 20 ? "MiB" : "KiB");
    }
}
