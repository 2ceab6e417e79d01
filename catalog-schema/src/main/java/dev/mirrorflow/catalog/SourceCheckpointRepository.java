package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.SOURCE_CHECKPOINTS;

import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Saved source positions, one per mirror and load generation. */
public final class SourceCheckpointRepository {

    private final DSLContext dsl;

    SourceCheckpointRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * Saves (or replaces) the position. It is durable when this returns: the caller may start
     * work that depends on it only afterwards, and must not when this throws.
     */
    public void save(long mirrorId, int generation, SourceCheckpoint.Kind kind, String position) {
        dsl.insertInto(SOURCE_CHECKPOINTS)
                .set(SOURCE_CHECKPOINTS.MIRROR_ID, mirrorId)
                .set(SOURCE_CHECKPOINTS.LOAD_GENERATION, generation)
                .set(SOURCE_CHECKPOINTS.POSITION_KIND, kind.name())
                .set(SOURCE_CHECKPOINTS.POSITION, position)
                .onConflict(SOURCE_CHECKPOINTS.MIRROR_ID, SOURCE_CHECKPOINTS.LOAD_GENERATION)
                .doUpdate()
                .set(SOURCE_CHECKPOINTS.POSITION_KIND, kind.name())
                .set(SOURCE_CHECKPOINTS.POSITION, position)
                .set(SOURCE_CHECKPOINTS.SAVED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    public Optional<SourceCheckpoint> find(long mirrorId, int generation) {
        return dsl.selectFrom(SOURCE_CHECKPOINTS)
                .where(SOURCE_CHECKPOINTS.MIRROR_ID.eq(mirrorId))
                .and(SOURCE_CHECKPOINTS.LOAD_GENERATION.eq(generation))
                .fetchOptional()
                .map(r -> new SourceCheckpoint(r.getMirrorId(), r.getLoadGeneration(),
                        SourceCheckpoint.Kind.valueOf(r.getPositionKind()), r.getPosition(),
                        Timestamps.instant(r.getSavedAt())));
    }

    /** The position saved for the mirror's newest load generation, if any. */
    public Optional<SourceCheckpoint> latest(long mirrorId) {
        return dsl.selectFrom(SOURCE_CHECKPOINTS)
                .where(SOURCE_CHECKPOINTS.MIRROR_ID.eq(mirrorId))
                .orderBy(SOURCE_CHECKPOINTS.LOAD_GENERATION.desc())
                .limit(1)
                .fetchOptional()
                .map(r -> new SourceCheckpoint(r.getMirrorId(), r.getLoadGeneration(),
                        SourceCheckpoint.Kind.valueOf(r.getPositionKind()), r.getPosition(),
                        Timestamps.instant(r.getSavedAt())));
    }
}
