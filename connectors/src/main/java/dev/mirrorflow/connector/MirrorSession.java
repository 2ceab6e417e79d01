package dev.mirrorflow.connector;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.model.MirrorSpec;
import java.util.List;

/**
 * One mirror as a connector sees it during one activity attempt: who it is, what its spec maps,
 * the catalog where a connector records what it must remember about its source (followed
 * tables, a saved start position), how to show it is alive, and which attempt this is (retry
 * delays and logs count by it). Never credentials: a connector gets its peer separately.
 */
public record MirrorSession(String name, long mirrorId, MirrorSpec spec, List<TableMapping> mappings,
        Catalog catalog, Heartbeat heartbeat, int attempt) {

    public MirrorSession {
        mappings = List.copyOf(mappings);
    }

    /** The same mirror as an edited spec describes it. */
    public MirrorSession withSpec(MirrorSpec edited, List<TableMapping> editedMappings) {
        return new MirrorSession(name, mirrorId, edited, editedMappings, catalog, heartbeat, attempt);
    }
}
