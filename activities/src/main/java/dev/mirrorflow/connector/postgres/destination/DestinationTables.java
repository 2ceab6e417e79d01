package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, verifies and evolves the destination table of one mapping. A destination table has
 * the source's columns minus the excluded ones, with the same types and the same primary key.
 * The only difference it repairs is a column the source gained (that is how {@code ALTER TABLE
 * ADD COLUMN} at the source reaches the destination), and a column the source dropped is kept;
 * any other difference would silently lose or bend data, so it fails with a one-line message
 * that says to resync.
 *
 * <p>Columns other than the key are created nullable whatever the source says: a NOT NULL at
 * the destination could only turn a source-side situation the destination cannot see (a column
 * added at the source with a default that existing rows never sent) into a stuck mirror.
 */
final class DestinationTables {

    /** Staging columns use this prefix; a source column with it would collide with them. */
    static final String RESERVED_PREFIX = "_mirrorflow_";

    private static final Logger log = LoggerFactory.getLogger(DestinationTables.class);

    private static final String DESCRIBE = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, coalesce(k.ord, 0)
            FROM pg_attribute a
            LEFT JOIN LATERAL (
                SELECT u.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord)
                WHERE i.indrelid = a.attrelid AND i.indisprimary AND u.attnum = a.attnum) k ON true
            WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private static final String RESOLVE_TYPES = """
            SELECT r.name, r.oid, n.nspname = 'pg_catalog'
            FROM (SELECT name, to_regtype(name)::oid AS oid FROM unnest(?::text[]) name) r
            LEFT JOIN pg_type t ON t.oid = r.oid
            LEFT JOIN pg_namespace n ON n.oid = t.typnamespace""";

    private DestinationTables() {
    }

    /**
     * Makes the destination table of {@code mapping} fit {@code source}, in the caller's
     * transaction, and describes it.
     *
     * @param sourceIsCurrent true when {@code source} is the source table as it is now (prepare):
     *     a destination column it lacks was dropped at the source, which is an error. False when
     *     it is the shape a change was made with (apply), which may predate columns the
     *     destination already has; those are then simply not part of the change.
     * @throws IllegalStateException with a one-line message when the tables cannot be reconciled
     */
    static DestinationTable reconcile(Connection connection, TableMapping mapping, TableSchema source,
            boolean sourceIsCurrent) throws SQLException {
        List<ColumnSchema> columns = mappedColumns(mapping, source);
        EnumTypes.ensure(connection, columns);
        Map<String, ResolvedType> types = resolveTypes(connection, columns);
        for (ColumnSchema column : columns) {
            if (types.get(column.type()).oid() == 0) {
                throw new IllegalStateException("type " + column.type() + " of column " + column.name()
                        + " of source table " + source.id() + " does not exist at the destination; create it there"
                        + " (mirrorflow creates enum types only)");
            }
        }
        TableId destination = mapping.destination();
        long relation = relationOid(connection, destination);
        if (relation == 0) {
            create(connection, destination, columns);
            return describe(connection, destination, relationOid(connection, destination)).table();
        }
        Described existing = describe(connection, destination, relation);
        List<ColumnSchema> missing = compare(existing, columns, types, source.id(), sourceIsCurrent,
                mapping.excludedColumns());
        if (missing.isEmpty()) {
            return existing.table();
        }
        addColumns(connection, destination, missing);
        return describe(connection, destination, relation).table();
    }

    /** The source columns that the destination has, in source order. */
    static List<ColumnSchema> mappedColumns(TableMapping mapping, TableSchema source) {
        if (source.key().isEmpty()) {
            throw new IllegalStateException("source table " + source.id() + " has no primary key; add one"
                    + " (mirrorflow applies changes by primary key)");
        }
        List<ColumnSchema> columns = new ArrayList<>();
        for (ColumnSchema column : source.columns()) {
            if (mapping.excludedColumns().contains(column.name())) {
                if (column.isKey()) {
                    throw new IllegalStateException("column " + column.name() + " of source table " + source.id()
                            + " is part of its primary key and cannot be excluded; remove it from the exclusions");
                }
                continue;
            }
            if (column.name().startsWith(RESERVED_PREFIX)) {
                throw new IllegalStateException("column " + column.name() + " of source table " + source.id()
                        + " starts with " + RESERVED_PREFIX + ", which mirrorflow reserves for its staging"
                        + " columns; exclude or rename it");
            }
            columns.add(column);
        }
        return columns;
    }

    private static List<ColumnSchema> compare(Described existing, List<ColumnSchema> columns,
            Map<String, ResolvedType> types, TableId source, boolean sourceIsCurrent,
            java.util.Set<String> excluded) {
        TableId destination = existing.table().id();
        String sourceKey = columns.stream().filter(ColumnSchema::isKey)
                .sorted((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()))
                .map(ColumnSchema::name).collect(Collectors.joining(", ", "(", ")"));
        String destinationKey = existing.table().key().stream()
                .map(DestinationColumn::name).collect(Collectors.joining(", ", "(", ")"));
        // The key identifies rows as a set of columns; the replication stream numbers key columns
        // in column order, which may differ from the order the primary key was declared in.
        java.util.Set<String> sourceKeySet = columns.stream().filter(ColumnSchema::isKey).map(ColumnSchema::name)
                .collect(Collectors.toSet());
        java.util.Set<String> destinationKeySet = existing.table().key().stream().map(DestinationColumn::name)
                .collect(Collectors.toSet());
        if (!sourceKeySet.equals(destinationKeySet)) {
            throw new IllegalStateException("destination table " + destination + " has primary key " + destinationKey
                    + " but source table " + source + " has " + sourceKey + "; resync the mirror to recreate the table");
        }
        Map<String, CatalogColumn> present = new HashMap<>();
        existing.columns().forEach(column -> present.put(column.name(), column));
        List<ColumnSchema> missing = new ArrayList<>();
        for (ColumnSchema column : columns) {
            CatalogColumn there = present.remove(column.name());
            if (there == null) {
                missing.add(column);
            } else if (!sameType(column.type(), types.get(column.type()), there)) {
                throw new IllegalStateException("column " + column.name() + " of destination table " + destination
                        + " is " + there.type() + " but the source's is " + column.type()
                        + "; resync the mirror to recreate the table");
            }
        }
        // A column the source dropped stays, as Debezium and PeerDB keep it: its values are still
        // the source's values of before the drop (the caller reports it). One the spec excludes
        // would hold values the spec says not to mirror.
        present.keySet().retainAll(excluded);
        if (sourceIsCurrent && !present.isEmpty()) {
            throw new IllegalStateException("destination table " + destination + " has column(s) "
                    + String.join(", ", new java.util.TreeSet<>(present.keySet())) + " that the mirror excludes from"
                    + " source table " + source + "; resync the mirror to recreate the table");
        }
        return missing;
    }

    /**
     * Both sides are format_type() output, which names a type outside pg_catalog qualified or not
     * depending on the search path it ran with. Textual equality covers every built-in type
     * (including its modifiers, like {@code numeric(12,2)}); a user type without modifiers, such
     * as an enum, is also the same when both names resolve to the same type here.
     */
    private static boolean sameType(String sourceType, ResolvedType resolved, CatalogColumn there) {
        if (sourceType.equals(there.type())) {
            return true;
        }
        return !resolved.builtIn() && resolved.oid() == there.typeOid() && there.typeModifier() == -1
                && !sourceType.contains("(");
    }

    private static void create(Connection connection, TableId table, List<ColumnSchema> columns) throws SQLException {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(table.quoted()).append(" (");
        for (ColumnSchema column : columns) {
            sql.append(TableId.quote(column.name())).append(' ').append(column.type()).append(", ");
        }
        sql.append("PRIMARY KEY (").append(columns.stream().filter(ColumnSchema::isKey)
                .sorted((a, b) -> Integer.compare(a.keyPosition(), b.keyPosition()))
                .map(column -> TableId.quote(column.name())).collect(Collectors.joining(", "))).append("))");
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + TableId.quote(table.schema()));
            statement.execute(sql.toString());
        }
        log.info("Created destination table {} with {} columns", table, columns.size());
    }

    private static void addColumns(Connection connection, TableId table, List<ColumnSchema> columns)
            throws SQLException {
        for (ColumnSchema column : columns) {
            if (column.isKey()) {
                // The key comparison already failed for this; kept as a guard because a key column
                // added without a value would leave existing rows unidentifiable.
                throw new IllegalStateException("key column " + column.name() + " is missing at destination table "
                        + table + "; resync the mirror to recreate the table");
            }
        }
        String sql = "ALTER TABLE " + table.quoted() + columns.stream()
                .map(column -> " ADD COLUMN IF NOT EXISTS " + TableId.quote(column.name()) + " " + column.type())
                .collect(Collectors.joining(","));
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
        log.info("Added column(s) {} to destination table {}",
                columns.stream().map(ColumnSchema::name).collect(Collectors.joining(", ")), table);
    }

    private static long relationOid(Connection connection, TableId table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass(?)")) {
            statement.setString(1, table.quoted());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return 0;
                }
                String kind = rows.getString(2);
                if (!kind.equals("r") && !kind.equals("p")) {
                    throw new IllegalStateException("destination " + table + " exists but is not a table (relkind "
                            + kind + "); drop or rename it, or map the mirror to another destination table");
                }
                return rows.getLong(1);
            }
        }
    }

    private static Described describe(Connection connection, TableId table, long relation) throws SQLException {
        List<CatalogColumn> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(DESCRIBE)) {
            statement.setLong(1, relation);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.add(new CatalogColumn(rows.getString(1), rows.getString(2), rows.getLong(3),
                            rows.getInt(4), rows.getInt(5)));
                }
            }
        }
        return new Described(new DestinationTable(table, columns.stream()
                .map(column -> new DestinationColumn(column.name(), column.type(), column.keyPosition())).toList()),
                columns);
    }

    private static Map<String, ResolvedType> resolveTypes(Connection connection, List<ColumnSchema> columns)
            throws SQLException {
        Map<String, ResolvedType> types = new HashMap<>();
        Array names = connection.createArrayOf("text", columns.stream().map(ColumnSchema::type).distinct().toArray());
        try (PreparedStatement statement = connection.prepareStatement(RESOLVE_TYPES)) {
            statement.setArray(1, names);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    types.put(rows.getString(1), new ResolvedType(rows.getLong(2), rows.getBoolean(3)));
                }
            }
        }
        return types;
    }

    /** A source type name as this destination resolves it; oid 0 when it does not exist here. */
    private record ResolvedType(long oid, boolean builtIn) {}

    private record CatalogColumn(String name, String type, long typeOid, int typeModifier, int keyPosition) {}

    private record Described(DestinationTable table, List<CatalogColumn> columns) {}
}
