package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import dev.mirrorflow.workflow.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.HashSet;
import java.util.List;

/**
 * Everything an activity needs to know about one mirror, read from the catalog: its row, its
 * spec and its table mappings. The connectors read its peers' credentials from the catalog
 * themselves, inside the worker, never from workflow input.
 */
record MirrorContext(MirrorRow row, MirrorSpec spec, List<TableMapping> mappings, boolean excludesAtSource) {

    static MirrorContext load(Catalog catalog, PeerStore peers, String name) {
        MirrorRow row = catalog.mirrors().findLive(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "mirror " + name + " is not in the catalog (was it dropped?)", FailureTypes.MIRROR_NOT_FOUND));
        MirrorSpec spec = readSpec(name, row.spec());
        // Fails early, before a connector opens anything, when a peer is gone or unreadable.
        boolean excludesAtSource = peers.typeOf(spec.source()).excludesInsideDocuments();
        peers.require(spec.destination());
        return new MirrorContext(row, spec, mappings(spec, excludesAtSource), excludesAtSource);
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
        return new MirrorContext(row, edited, mappings(edited, excludesAtSource), excludesAtSource);
    }

    /**
     * The spec's tables as the destination sees them. A source whose exclusions name fields
     * inside its documents takes them out itself, so the destination gets no column exclusions.
     */
    private static List<TableMapping> mappings(MirrorSpec spec, boolean excludesAtSource) {
        return spec.tables().stream().map(MirrorContext::mapping)
                .map(m -> excludesAtSource ? new TableMapping(m.source(), m.destination(), java.util.Set.of()) : m)
                .toList();
    }

    static TableMapping mapping(TableSpec t) {
        return new TableMapping(TableId.parse(t.source()), TableId.parse(t.destination()), new HashSet<>(t.exclude()));
    }

    String name() {
        return row.name();
    }

    /** The mirror as a connector sees it during this activity attempt. */
    MirrorSession session(Catalog catalog, Heartbeat heartbeat, int attempt) {
        return new MirrorSession(name(), row.id(), spec, mappings, catalog, heartbeat, attempt);
    }
}
