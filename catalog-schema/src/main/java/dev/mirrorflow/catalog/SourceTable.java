package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * A source table a mirror follows by its identity at the source.
 *
 * @param sourceTable the table as the mirror's spec names it; the destination maps this name
 * @param relationOid the table's identity at the source (a PostgreSQL relation OID), which a
 *     rename keeps and a drop and re-create does not
 * @param currentName the name the mirror last saw the table under; differs from
 *     {@code sourceTable} once the table was renamed at the source
 * @param renamedAt when the mirror recorded the last rename, or null
 */
public record SourceTable(long mirrorId, String sourceTable, long relationOid, String currentName,
        Instant recordedAt, Instant renamedAt) {}
