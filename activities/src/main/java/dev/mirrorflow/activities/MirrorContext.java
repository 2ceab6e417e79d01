package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.postgres.MirrorSource;
import dev.mirrorflow.connector.postgres.PeerDataSource;
import dev.mirrorflow.connector.postgres.PostgresPeer;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import dev.mirrorflow.workflow.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.HashSet;
import java.util.List;

/**
 * Everything an activity needs to know about one mirror, read from the catalog: its row, its
 * spec, its peers with their decrypted credentials, and what follows from them. Credentials
 * come from the catalog here, inside the worker, and never from workflow input.
 */
record MirrorContext(MirrorRow row, MirrorSpec spec, PostgresPeer source, PostgresPeer destination,
        MirrorSource mirrorSource, List<TableMapping> mappings) {

    static MirrorContext load(Catalog catalog, PeerStore peers, String name) {
        MirrorRow row = catalog.mirrors().findLive(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "mirror " + name + " is not in the catalog (was it dropped?)", FailureTypes.MIRROR_NOT_FOUND));
        MirrorSpec spec = readSpec(name, row.spec());
        List<TableMapping> mappings = spec.tables().stream().map(MirrorContext::mapping).toList();
        MirrorSource mirrorSource = MirrorSource.of(spec);
        return new MirrorContext(row, spec, peers.postgres(spec.source()), peers.postgres(spec.destination()),
                mirrorSource, mappings);
    }

    /** A spec as the catalog stores it. */
    static MirrorSpec readSpec(String name, String json) {
        try {
            return MirrorSpecJson.read(json);
        } catch (Exception e) {
            throw ApplicationFailure.newNonRetryableFailure("the stored spec of mirror " + name
                    + " cannot be read (" + e.getClass().getSimpleName() + "); recreate the mirror from its spec file",
                    FailureTypes.MIRROR_NOT_FOUND);
        }
    }

    /**
     * The mirror as an edited spec describes it; the peers stay, as an edit cannot change them
     * ({@link dev.mirrorflow.model.SpecEdit#between}).
     */
    MirrorContext withSpec(MirrorSpec edited) {
        return new MirrorContext(row, edited, source, destination, MirrorSource.of(edited),
                edited.tables().stream().map(MirrorContext::mapping).toList());
    }

    private static TableMapping mapping(TableSpec t) {
        return new TableMapping(TableId.parse(t.source()), TableId.parse(t.destination()), new HashSet<>(t.exclude()));
    }

    String name() {
        return row.name();
    }

    /** The destination database; connections are opened as needed with the peer's settings. */
    PeerDataSource destinationDataSource() {
        return new PeerDataSource(destination);
    }
}
