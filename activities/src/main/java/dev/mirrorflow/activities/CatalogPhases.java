package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.model.Phase;

/**
 * The one conversion between the workflow's {@link Phase} and the catalog's {@link MirrorPhase}.
 * They are two enums of the same names because {@code catalog-schema} may not depend on {@code
 * workflows}; a phase maps to the one of the same name, which {@code CatalogPhasesTest} checks
 * both ways, together with the names the catalog's constraints allow.
 */
public final class CatalogPhases {

    private CatalogPhases() {}

    /** The phase as the catalog records it. */
    public static MirrorPhase toCatalog(Phase phase) {
        return MirrorPhase.valueOf(phase.name());
    }

    /** The phase as the workflow knows it. */
    public static Phase fromCatalog(MirrorPhase phase) {
        return Phase.valueOf(phase.name());
    }
}
