package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel from the data path to a mirror's history: every {@link SchemaChange} a stream or a
 * destination noticed becomes one SCHEMA event in the catalog's {@code mirror_events} (shown by
 * {@code mirror history} and {@code mirror status}), written once per change whatever how often
 * it is noticed, because its idempotency key is the change's identity. A rename also moves the
 * name the mirror knows the table by ({@code mirror_source_tables}), in the same transaction.
 */
final class SchemaChangeLog {

    private static final Logger log = LoggerFactory.getLogger(SchemaChangeLog.class);

    private final Catalog catalog;
    private final long mirrorId;
    private final String mirror;
    private final Map<TableId, TableMapping> mappings;

    SchemaChangeLog(Catalog catalog, MirrorContext ctx) {
        this.catalog = catalog;
        this.mirrorId = ctx.row().id();
        this.mirror = ctx.name();
        this.mappings = ctx.mappings().stream().collect(Collectors.toMap(TableMapping::source, Function.identity()));
    }

    void record(List<SchemaChange> changes) {
        for (SchemaChange change : changes) {
            TableMapping mapping = mappings.get(change.table());
            if (mapping == null) {
                continue;
            }
            if (change.kind() == SchemaChange.Kind.COLUMN_DROPPED
                    && mapping.excludedColumns().contains(change.from())) {
                // The destination never had it, so nothing is kept and nothing differs.
                continue;
            }
            String reason = sentence(change, mapping);
            boolean recorded = change.kind() == SchemaChange.Kind.TABLE_RENAMED
                    ? catalog.sourceTables().recordRename(mirrorId, change.table().toString(), change.from(),
                            change.to(), reason, change.idempotencyKey())
                    : catalog.mirrors().recordSchemaChange(mirrorId, change.table().toString(), change.kind().name(),
                            change.from(), change.to(), reason, change.idempotencyKey());
            if (recorded) {
                log.info("mirror {}: {}", mirror, reason);
            }
        }
    }

    /** What history and status say about the change: what happened and what the mirror does about it. */
    static String sentence(SchemaChange change, TableMapping mapping) {
        TableId table = change.table();
        TableId destination = mapping.destination();
        return switch (change.kind()) {
            case TABLE_RENAMED -> "source table " + change.from()
                    + (TableId.parse(change.from()).equals(table) ? "" : " (" + table + " in the spec)")
                    + " was renamed to " + change.to() + " at the source; its changes keep streaming into destination"
                    + " table " + destination;
            case COLUMN_DROPPED -> "column " + change.from() + " of source table " + table
                    + " was dropped at the source; destination table " + destination
                    + " keeps it, NULL in rows inserted since";
            case COLUMN_RENAMED -> "column " + change.from() + " of source table " + table + " was renamed to "
                    + change.to() + " at the source";
            case COLUMN_ADDED -> "column " + change.to() + " was added to source table " + table + " at the source";
        };
    }
}
