package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks, before a mirror writes anything, that its destination tables are ones it may write
 * to without destroying data it does not own: not in a schema PostgreSQL or mirrorflow keeps for
 * itself, not one of the mirror's own source tables (source and destination peers may be the
 * same database under two names), not a table another mirror writes, and, when the table exists
 * already and mirrorflow did not create it, exactly the shape the mirror would create. Run by
 * {@code mirror create} (nothing is written on a refusal) and again in SETUP.
 *
 * <p>Databases are compared by identity, the cluster's system identifier (or the server's start
 * time) and the database's oid, never by peer names or host names, which differ for one
 * database reached two ways.
 */
public final class DestinationValidator {

    // pg_control_system() may be revoked from PUBLIC on a hardened server; the postmaster's start
    // time, readable by everyone, tells one running server from another as well.
    private static final String IDENTITY = """
            SELECT CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE')
                        THEN (SELECT system_identifier FROM pg_control_system())::text END,
                   pg_postmaster_start_time()::text,
                   (SELECT oid FROM pg_database WHERE datname = current_database())::bigint""";

    /**
     * Which database of which server a peer reaches.
     *
     * @param systemIdentifier the cluster's system identifier; null when the login may not read it
     */
    public record DatabaseIdentity(String systemIdentifier, String serverStarted, long databaseOid) {

        /** The same database when its oid is and the server is: same system identifier, or same postmaster. */
        public boolean sameDatabaseAs(DatabaseIdentity other) {
            boolean sameServer = serverStarted.equals(other.serverStarted)
                    || (systemIdentifier != null && systemIdentifier.equals(other.systemIdentifier));
            return sameServer && databaseOid == other.databaseOid;
        }
    }

    private static final String DESCRIBE = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod, coalesce(k.ord, 0),
                   a.attgenerated <> ''
            FROM pg_attribute a
            LEFT JOIN LATERAL (
                SELECT u.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord)
                WHERE i.indrelid = a.attrelid AND i.indisprimary AND u.attnum = a.attnum) k ON true
            WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private DestinationValidator() {
    }

    /**
     * @throws IllegalStateException with one line saying what is wrong and what to do
     * @throws DestinationException when a database cannot be read (worth retrying)
     */
    public static void validate(String mirror, PostgresPeer source, PostgresPeer destination,
            List<TableMapping> mappings) {
        for (TableMapping mapping : mappings) {
            refuseReservedSchema(mapping.destination());
        }
        refuseSourceTablesAsDestination(source, destination, mappings);
        Map<TableId, TableSchema> schemas;
        try (Connection c = source.connect()) {
            schemas = new SourceSchemaReader(c).read(mappings.stream().map(TableMapping::source).toList());
        } catch (SQLException e) {
            throw new DestinationException("cannot read the source tables at " + source.location() + ": "
                    + BatchApplier.oneLine(e), e);
        }
        validateTables(mirror, destination, mappings, schemas);
    }

    /**
     * The checks of {@link #validate} that concern the destination alone, for a source of another
     * kind whose tables' shapes are given: no reserved schema, and each destination table that
     * exists is one the mirror may write with the shape the source has.
     */
    public static void validateTables(String mirror, PostgresPeer destination, List<TableMapping> mappings,
            Map<TableId, TableSchema> schemas) {
        for (TableMapping mapping : mappings) {
            refuseReservedSchema(mapping.destination());
        }
        try (Connection c = destination.connect()) {
            for (TableMapping mapping : mappings) {
                TableSchema schema = schemas.get(mapping.source());
                if (schema != null) {
                    requireWritableTable(c, mirror, mapping, schema);
                }
            }
        } catch (SQLException e) {
            throw new DestinationException("cannot read the destination tables at " + destination.location() + ": "
                    + BatchApplier.oneLine(e), e);
        }
    }

    /**
     * The tables a spec edit adds are loaded into their destination tables: one that exists, is
     * not this mirror's yet and holds rows would keep the rows the source does not have, so it is
     * refused. (One the mirror claims already holds what an earlier attempt loaded.)
     *
     * @throws IllegalStateException with one line naming the table and what to do
     */
    public static void refuseRowsToKeep(String mirror, PostgresPeer destination, List<TableMapping> mappings) {
        try (Connection c = destination.connect()) {
            for (TableMapping mapping : mappings) {
                long relation = DestinationTables.relationOid(c, mapping.destination());
                if (relation == 0 || MirrorTablesTable.claimOf(c, relation, mapping.destination())
                        .filter(claim -> claim.mirror().equals(mirror)).isPresent()) {
                    continue;
                }
                try (Statement statement = c.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT EXISTS (SELECT FROM "
                                + mapping.destination().quoted() + ")")) {
                    rows.next();
                    if (rows.getBoolean(1)) {
                        throw new IllegalStateException("destination table " + mapping.destination() + " already"
                                + " exists and holds rows; adding " + mapping.source() + " loads the source's rows into"
                                + " it and would keep the ones the source does not have, so empty it first (TRUNCATE "
                                + mapping.destination() + ") or map the table to another destination table");
                    }
                }
            }
        } catch (SQLException e) {
            throw new DestinationException("cannot read the destination tables at " + destination.location() + ": "
                    + BatchApplier.oneLine(e), e);
        }
    }

    /**
     * PostgreSQL's own schemas ({@code pg_catalog}, {@code pg_toast}, {@code information_schema}
     * and every {@code pg_*} name, which it reserves) cannot hold a mirror's tables, and
     * mirrorflow's {@code _mirrorflow} holds the checkpoints a resync or drop would delete.
     */
    public static void refuseReservedSchema(TableId destination) {
        String schema = destination.schema();
        if (schema.equals(CheckpointTable.SCHEMA)) {
            throw new IllegalStateException("destination table " + destination + " is in schema " + schema
                    + ", which mirrorflow keeps for its own metadata; map the table to another schema");
        }
        if (schema.startsWith("pg_") || schema.equals("information_schema")) {
            throw new IllegalStateException("destination table " + destination + " is in schema " + schema
                    + ", which PostgreSQL keeps for itself; map the table to another schema");
        }
    }

    /** The identity of the database {@code peer} reaches: system identifier and database oid. */
    public static DatabaseIdentity databaseIdentity(PostgresPeer peer) {
        try (Connection c = peer.connect(); PreparedStatement statement = c.prepareStatement(IDENTITY);
                ResultSet rows = statement.executeQuery()) {
            rows.next();
            return new DatabaseIdentity(rows.getString(1), rows.getString(2), rows.getLong(3));
        } catch (SQLException e) {
            throw new DestinationException("cannot identify the database at " + peer.location() + ": "
                    + BatchApplier.oneLine(e), e);
        }
    }

    /**
     * The mappings whose destination table is not one of the mirror's source tables: what a
     * resync or drop may touch. Mirrors created before this was checked may map a table onto
     * itself through two peers of one database, and emptying or dropping that would destroy the
     * source.
     */
    public static List<TableMapping> withoutSourceTables(PostgresPeer source, PostgresPeer destination,
            List<TableMapping> mappings) {
        if (!databaseIdentity(source).sameDatabaseAs(databaseIdentity(destination))) {
            return mappings;
        }
        Set<TableId> sources = mappings.stream().map(TableMapping::source).collect(Collectors.toSet());
        return mappings.stream().filter(mapping -> !sources.contains(mapping.destination())).toList();
    }

    private static void refuseSourceTablesAsDestination(PostgresPeer source, PostgresPeer destination,
            List<TableMapping> mappings) {
        if (!databaseIdentity(source).sameDatabaseAs(databaseIdentity(destination))) {
            return;
        }
        Set<TableId> sources = mappings.stream().map(TableMapping::source).collect(Collectors.toSet());
        for (TableMapping mapping : mappings) {
            if (sources.contains(mapping.destination())) {
                throw new IllegalStateException("destination table " + mapping.destination() + " is source table "
                        + mapping.destination() + " itself: the source (" + source.location() + ") and the destination ("
                        + destination.location() + ") are the same database; map it to a table of another schema"
                        + " or database");
            }
        }
    }

    private static void requireWritableTable(Connection c, String mirror, TableMapping mapping, TableSchema source)
            throws SQLException {
        TableId destination = mapping.destination();
        long relation = DestinationTables.relationOid(c, destination);
        if (relation == 0) {
            return;
        }
        Optional<MirrorTablesTable.Claim> claim = MirrorTablesTable.claimOf(c, relation, destination);
        if (claim.isPresent()) {
            if (!claim.get().mirror().equals(mirror)) {
                throw new IllegalStateException(DestinationTables.belongsToAnotherMirror(destination,
                        claim.get().mirror()));
            }
            // This mirror's own table (SETUP again, or a resync): prepare reconciles it.
            return;
        }
        Optional<String> difference = difference(c, relation, DestinationTables.mappedColumns(mapping, source));
        if (difference.isPresent()) {
            throw new IllegalStateException("destination table " + destination + " already exists and does not match"
                    + " source table " + source.id() + ": " + difference.get() + "; mirrorflow writes only to a table it"
                    + " creates or to one with exactly the source's columns and key, so map the mirror to another"
                    + " destination table, or change or drop that table yourself");
        }
    }

    /** The first way the existing table differs from the one the mirror would create; empty when none. */
    private static Optional<String> difference(Connection c, long relation, List<ColumnSchema> columns)
            throws SQLException {
        Map<String, Existing> existing = new LinkedHashMap<>();
        try (PreparedStatement statement = c.prepareStatement(DESCRIBE)) {
            statement.setLong(1, relation);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    existing.put(rows.getString(1), new Existing(rows.getString(2), rows.getLong(3), rows.getInt(4),
                            rows.getInt(5), rows.getBoolean(6)));
                }
            }
        }
        Map<String, Long> typeOids = typeOids(c, columns);
        Set<String> extra = new TreeSet<>(existing.keySet());
        for (ColumnSchema column : columns) {
            Existing there = existing.get(column.name());
            extra.remove(column.name());
            if (there == null) {
                return Optional.of("it has no column " + column.name());
            }
            boolean sameType = column.type().equals(there.type())
                    || (typeOids.getOrDefault(column.type(), 0L) == there.typeOid() && there.typeModifier() == -1
                            && !column.type().contains("("));
            if (!sameType) {
                return Optional.of("its column " + column.name() + " is " + there.type() + " but the source's is "
                        + column.type());
            }
            if (column.isGenerated() != there.generated()) {
                return Optional.of("its column " + column.name() + (there.generated() ? " is" : " is not")
                        + " generated but the source's" + (column.isGenerated() ? " is" : " is not"));
            }
        }
        if (!extra.isEmpty()) {
            return Optional.of("it has column(s) " + String.join(", ", extra) + " that the source table has not"
                    + " (or the mirror excludes)");
        }
        Set<String> sourceKey = columns.stream().filter(ColumnSchema::isKey).map(ColumnSchema::name)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> destinationKey = existing.entrySet().stream().filter(e -> e.getValue().keyPosition() > 0)
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        if (!sourceKey.equals(destinationKey)) {
            return Optional.of("its primary key is (" + String.join(", ", destinationKey) + ") but the source's is ("
                    + String.join(", ", sourceKey) + ")");
        }
        return Optional.empty();
    }

    /** The oid each source type name resolves to here; absent when the type does not exist here. */
    private static Map<String, Long> typeOids(Connection c, List<ColumnSchema> columns) throws SQLException {
        Map<String, Long> oids = new HashMap<>();
        try (PreparedStatement statement = c.prepareStatement("SELECT to_regtype(?)::oid")) {
            for (String type : columns.stream().map(ColumnSchema::type).distinct().toList()) {
                statement.setString(1, type);
                try (ResultSet rows = statement.executeQuery()) {
                    if (rows.next() && rows.getObject(1) != null) {
                        oids.put(type, rows.getLong(1));
                    }
                }
            }
        }
        return oids;
    }

    private record Existing(String type, long typeOid, int typeModifier, int keyPosition, boolean generated) {}
}
