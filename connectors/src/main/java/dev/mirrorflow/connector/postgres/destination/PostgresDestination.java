package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.postgres.PostgresSource;
import dev.mirrorflow.connector.postgres.peer.PeerDataSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL (15+, for MERGE) destination.
 *
 * <p>{@link #prepare} must run on an instance before {@link #apply} for the same mirror: it
 * creates or verifies the tables and remembers the mappings that apply needs; calling it again
 * with some of the mirror's mappings refreshes those and keeps the others. Enum types are
 * created from the labels the source schema carries ({@link ColumnSchema#enumLabels()}); any
 * other user-defined type must already exist at the destination, and prepare says so if not.
 * Only tables with a primary key can be mirrored: rows are matched by key, and a table that has
 * only REPLICA IDENTITY FULL is refused with a message that asks for a key.
 *
 * <p>The instance keeps one connection from the data source open between batches, because a
 * new connection per batch would cost more than a small batch; after any failure it drops the
 * connection and takes a fresh one on the next call. Calls are serialised: one mirror's loop uses
 * an instance at a time.
 */
public final class PostgresDestination implements Destination {

    private static final Logger log = LoggerFactory.getLogger(PostgresDestination.class);

    // Two 32-bit keys rather than one 64-bit key: PostgreSQL keeps the two forms apart, so this
    // lock can never collide with a lock keyed by a 64-bit hash such as a slot's.
    private static final String LOCK_SCHEMA_CHANGES =
            "SELECT pg_advisory_xact_lock(hashtext('mirrorflow'), hashtext('destination schema'))";

    private final DataSource dataSource;
    private final PostgresPeer peer;
    private final Map<String, Map<TableId, MirroredTable>> mirrors = new HashMap<>();
    private Connection connection;
    /** The staging tables {@link #connection}'s session has created (they live as long as it). */
    private final Set<String> stagingTables = new HashSet<>();

    /** A destination that applies and loads; the checks that need its peer refuse to run. */
    public PostgresDestination(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.peer = null;
    }

    public PostgresDestination(PostgresPeer peer) {
        this.dataSource = new PeerDataSource(peer);
        this.peer = peer;
    }

    /** The destination database. */
    public PostgresPeer peer() {
        return Objects.requireNonNull(peer, "this destination was made from a data source, not a peer");
    }

    /**
     * With {@code keysDisjoint}, a table that mirrorflow created for the mirror and that holds no
     * rows loses its primary key for the load ({@link LoadTimeKeys}): building the key once over
     * the loaded rows is cheaper than maintaining it row by row. A table the load already wrote
     * some partitions into (a resumed run) stays as it is: without its key, since the partitions
     * still to copy hold none of the keys the committed ones hold, and an interrupted partition
     * committed nothing.
     */
    @Override
    public synchronized void prepareLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables, boolean keysDisjoint) {
        inTransaction(load.mirrorName(), "preparing the destination for the load", c -> {
            dev.mirrorflow.connector.postgres.snapshot.PartitionMarkerTable.ensure(c);
            c.commit();
            for (dev.mirrorflow.connector.load.TableLoad table : tables) {
                if (keysDisjoint) {
                    LoadTimeKeys.dropForLoad(c, load.mirrorName(), table);
                } else {
                    LoadTimeKeys.ensureForConvertedRows(c, load.mirrorName(), table);
                }
            }
            return null;
        });
    }

    @Override
    public synchronized void finishLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables) {
        inTransaction(load.mirrorName(), "building the primary keys of the loaded tables", c -> {
            for (dev.mirrorflow.connector.load.TableLoad table : tables) {
                LoadTimeKeys.ensureForConvertedRows(c, load.mirrorName(), table);
            }
            return null;
        });
    }

    @Override
    public PartitionWriter openPartitionWriter(dev.mirrorflow.connector.load.SnapshotLoad load) {
        return new RowPartitionWriter(load, dataSource);
    }

    @Override
    public String location() {
        return peer == null ? "the destination" : peer.location();
    }

    @Override
    public void validate(String mirror, List<TableMapping> mappings, Source source) {
        if (source instanceof PostgresSource pg) {
            DestinationValidator.validate(mirror, pg.peer(), peer(), mappings);
        } else {
            DestinationValidator.validateTables(mirror, peer(), mappings, source.prepare());
        }
    }

    @Override
    public void refuseRowsToKeep(String mirror, List<TableMapping> mappings) {
        DestinationValidator.refuseRowsToKeep(mirror, peer(), mappings);
    }

    @Override
    public List<TableMapping> withoutSourceTables(List<TableMapping> mappings, Source source) {
        if (!(source instanceof PostgresSource pg)) {
            return mappings;
        }
        return DestinationValidator.withoutSourceTables(pg.peer(), peer(), mappings);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs in one transaction, serialised with other mirrors preparing the same destination,
     * so a failure leaves nothing half-created.
     *
     * @throws IllegalStateException when a table has no primary key, a key column is excluded, a
     *     type is missing at the destination, or an existing table differs in a way only a resync
     *     repairs
     */
    @Override
    public synchronized List<SchemaChange> prepare(String mirror, List<TableMapping> mappings,
            List<TableSchema> sourceSchemas) {
        Map<TableId, TableSchema> schemas = new HashMap<>();
        sourceSchemas.forEach(schema -> schemas.put(schema.id(), schema));
        Set<TableId> destinations = new HashSet<>();
        for (TableMapping mapping : mappings) {
            if (!schemas.containsKey(mapping.source())) {
                throw new IllegalArgumentException("mirror " + mirror + ": no source schema was given for table "
                        + mapping.source());
            }
            if (!destinations.add(mapping.destination())) {
                throw new IllegalStateException("mirror " + mirror + " maps two source tables to destination table "
                        + mapping.destination() + "; give each its own destination table");
            }
        }
        Map<TableId, MirroredTable> tables = new HashMap<>();
        List<SchemaChange> kept = new ArrayList<>();
        inTransaction(mirror, "preparing the destination", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
            }
            CheckpointTable.create(c);
            SourceColumnsTable.create(c);
            MirrorTablesTable.create(c);
            for (TableMapping mapping : mappings) {
                TableSchema source = schemas.get(mapping.source());
                DestinationTable table = DestinationTables.reconcile(c, mirror, mapping, source, true);
                List<ColumnSchema> mapped = DestinationTables.mappedColumns(mapping, source,
                        table.excludedSourceColumns());
                tables.put(mapping.source(), new MirroredTable(mapping, table, mapped));
                // Reconciling refused any other extra column, so these are the ones the source dropped.
                Set<String> mappedNames = new HashSet<>();
                mapped.forEach(column -> mappedNames.add(column.name()));
                table.columns().stream().filter(column -> !mappedNames.contains(column.name()))
                        .forEach(column -> kept.add(new SchemaChange(mapping.source(), SchemaChange.Kind.COLUMN_DROPPED,
                                column.name(), null, null)));
            }
            c.commit();
            return null;
        });
        // Merged rather than replaced, so that preparing again for the one table whose source
        // shape changed keeps the mirror's other tables usable.
        mirrors.computeIfAbsent(mirror, m -> new HashMap<>()).putAll(tables);
        log.info("Prepared destination for mirror {}: {} table(s)", mirror, tables.size());
        return kept;
    }

    @Override
    public synchronized Optional<String> checkpoint(String mirror) {
        return inTransaction(mirror, "reading the checkpoint", c -> {
            Optional<String> position = CheckpointTable.read(c, mirror);
            c.rollback();
            return position;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>A change made with a source shape the destination does not fit yet (a column added at
     * the source) first reconciles the destination, as {@link #prepare} would, in a transaction
     * of its own; changes of an older shape leave the columns they lack untouched.
     *
     * @return the batch's row changes (before collapsing, as they are the work the batch stands
     *     for) and the length of their value texts
     * @throws DestinationException when the destination refused the batch; nothing of it, and not
     *     its checkpoint, was committed
     */
    @Override
    public synchronized ApplyResult apply(String mirror, ChangeBatch batch) {
        Map<TableId, MirroredTable> tables = mirrors.get(mirror);
        if (tables == null) {
            throw new IllegalStateException("mirror " + mirror + ": prepare the destination before applying batches");
        }
        evolveForNewShapes(mirror, batch, tables);
        CollapsedBatch collapsed = CollapsedBatch.collapse(batch, new CollapsedBatch.Tables() {
            @Override
            public MirroredTable forSource(TableId source) {
                return mirroredTable(mirror, batch, tables, source);
            }

            @Override
            public RowLayout layoutFor(TableSchema schema) {
                return mirroredTable(mirror, batch, tables, schema.id()).layoutFor(schema);
            }
        });
        Connection c = connection(mirror);
        try {
            new BatchApplier(c, stagingTables).apply(mirror, batch, collapsed);
        } catch (SQLException e) {
            discardConnection();
            throw new DestinationException("mirror " + mirror + ", batch " + batch.batchId()
                    + ": cannot use the destination connection: " + BatchApplier.oneLine(e), e);
        } catch (RuntimeException e) {
            discardConnection();
            throw e;
        }
        return new ApplyResult(collapsed.rows(), collapsed.bytes());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Only the tables mirrorflow created for this mirror are dropped. A table that existed
     * before the mirror (a user's) is kept with its rows, and handed back to the user, as is
     * every table without {@code dropTables}; a table of another mirror, or one no mirror
     * claims, is not touched.
     */
    @Override
    public synchronized List<TableId> forget(String mirror, List<TableMapping> mappings, boolean dropTables) {
        List<TableId> kept = new ArrayList<>();
        inTransaction(mirror, "forgetting the mirror at the destination", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
                forgetProgress(statement, mirror);
                for (TableMapping mapping : mappings) {
                    long relation = tableOid(c, mapping.destination());
                    Optional<MirrorTablesTable.Claim> claim = claimOf(c, relation, mapping.destination());
                    if (claim.isEmpty() || !claim.get().mirror().equals(mirror)) {
                        if (dropTables && relation != 0) {
                            kept.add(mapping.destination());
                        }
                        continue;
                    }
                    MirrorTablesTable.release(c, relation);
                    if (dropTables && claim.get().created()) {
                        // What was recorded of the table's columns goes with it.
                        SourceColumnsTable.forget(c, relation);
                        statement.execute("DROP TABLE " + mapping.destination().quoted());
                    } else if (dropTables) {
                        kept.add(mapping.destination());
                    }
                }
            }
            c.commit();
            return null;
        });
        mirrors.remove(mirror);
        if (!kept.isEmpty()) {
            log.info("Mirror {}: kept destination table(s) {} as mirrorflow did not create them for it", mirror, kept);
        }
        log.info("Forgot mirror {} at the destination{}", mirror, dropTables ? ", tables dropped" : "");
        return List.copyOf(kept);
    }

    /**
     * Empties tables of this mirror and forgets their load's markers, for loading them again
     * from the start (a spec edit's load that lost its snapshot). Only tables the mirror claims
     * are touched: a spec edit claims its added tables before it loads them.
     */
    @Override
    public synchronized void emptyForReload(String mirror, List<TableMapping> mappings) {
        inTransaction(mirror, "emptying tables to load them again", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
                for (TableMapping mapping : mappings) {
                    forgetMarkers(statement, mirror, mapping.source());
                    long relation = tableOid(c, mapping.destination());
                    Optional<MirrorTablesTable.Claim> claim = claimOf(c, relation, mapping.destination());
                    if (claim.isPresent() && claim.get().mirror().equals(mirror)) {
                        statement.execute("TRUNCATE " + mapping.destination().quoted());
                    }
                }
            }
            c.commit();
            return null;
        });
    }

    private static void forgetMarkers(Statement statement, String mirror, TableId source) throws SQLException {
        statement.execute("DO $$ BEGIN IF to_regclass('" + CheckpointTable.SCHEMA
                + ".snapshot_partitions') IS NOT NULL THEN DELETE FROM " + CheckpointTable.SCHEMA
                + ".snapshot_partitions WHERE mirror = " + quoteLiteral(mirror) + " AND table_name = "
                + quoteLiteral(source.toString()) + "; END IF; END $$");
    }

    /**
     * Lets go of tables a spec edit removed from the mirror: each destination table stays as it
     * is, with its rows, and is no longer the mirror's (a later drop with its destination keeps
     * it); what was recorded of its columns and its load goes. A table another mirror claims, or
     * none, is not touched. The mirror's checkpoint stays.
     *
     * @return the destination tables let go of
     */
    @Override
    public synchronized List<TableId> release(String mirror, List<TableMapping> mappings) {
        List<TableId> released = new ArrayList<>();
        inTransaction(mirror, "letting go of the tables a spec edit removed", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
                for (TableMapping mapping : mappings) {
                    // Added again later, the table is loaded afresh rather than taken as loaded.
                    forgetMarkers(statement, mirror, mapping.source());
                    long relation = tableOid(c, mapping.destination());
                    Optional<MirrorTablesTable.Claim> claim = claimOf(c, relation, mapping.destination());
                    if (claim.isEmpty() || !claim.get().mirror().equals(mirror)) {
                        continue;
                    }
                    MirrorTablesTable.release(c, relation);
                    SourceColumnsTable.forget(c, relation);
                    released.add(mapping.destination());
                }
            }
            c.commit();
            return null;
        });
        Map<TableId, MirroredTable> prepared = mirrors.get(mirror);
        if (prepared != null) {
            mappings.forEach(m -> prepared.remove(m.source()));
        }
        log.info("Mirror {} let go of destination table(s) {}", mirror, released);
        return released;
    }

    /**
     * Forgets the mirror's progress for a resync, which loads the tables again: the tables
     * mirrorflow created for this mirror are dropped (the load creates them as the source is
     * now), and a table that existed before the mirror, which mirrorflow never drops, is emptied
     * with TRUNCATE and keeps its definition, indexes and grants. A table of another mirror or
     * one no mirror claims is not touched.
     */
    @Override
    public synchronized void forgetForResync(String mirror, List<TableMapping> mappings) {
        inTransaction(mirror, "resetting the destination for a resync", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
                forgetProgress(statement, mirror);
                for (TableMapping mapping : mappings) {
                    long relation = tableOid(c, mapping.destination());
                    Optional<MirrorTablesTable.Claim> claim = claimOf(c, relation, mapping.destination());
                    if (claim.isEmpty() || !claim.get().mirror().equals(mirror)) {
                        continue;
                    }
                    if (claim.get().created()) {
                        MirrorTablesTable.release(c, relation);
                        SourceColumnsTable.forget(c, relation);
                        statement.execute("DROP TABLE " + mapping.destination().quoted());
                    } else {
                        statement.execute("TRUNCATE " + mapping.destination().quoted());
                    }
                }
            }
            c.commit();
            return null;
        });
        mirrors.remove(mirror);
        log.info("Reset mirror {} at the destination for a resync", mirror);
    }

    /** Who claims the relation (0: none) in {@code _mirrorflow.mirror_tables}, if anyone. */
    private static Optional<MirrorTablesTable.Claim> claimOf(Connection c, long relation, TableId table)
            throws SQLException {
        return relation == 0 ? Optional.empty() : MirrorTablesTable.claimOf(c, relation, table);
    }

    /** The oid of the relation named {@code table}; 0 when there is none. */
    private static long tableOid(Connection c, TableId table) throws SQLException {
        try (java.sql.PreparedStatement statement = c.prepareStatement("SELECT coalesce(to_regclass(?)::oid, 0)")) {
            statement.setString(1, table.quoted());
            try (java.sql.ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static void forgetProgress(Statement statement, String mirror) throws SQLException {
        for (String metadata : List.of(CheckpointTable.SCHEMA + ".checkpoints",
                CheckpointTable.SCHEMA + ".snapshot_partitions")) {
            // The load's markers exist only once a load ran here.
            statement.execute("DO $$ BEGIN IF to_regclass('" + metadata + "') IS NOT NULL THEN DELETE FROM "
                    + metadata + " WHERE mirror = " + quoteLiteral(mirror) + "; END IF; END $$");
        }
    }

    private static String quoteLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the destination connection failed", e);
            }
            connection = null;
        }
    }

    /**
     * Reconciles the destination tables with every source shape in the batch that they do not
     * fit yet. The DDL commits before the batch starts, which is safe because reconciling is
     * idempotent; and it must, because an enum label added in a transaction cannot be used in it.
     */
    private void evolveForNewShapes(String mirror, ChangeBatch batch, Map<TableId, MirroredTable> tables) {
        Set<TableSchema> unfit = new LinkedHashSet<>();
        TableSchema last = null;
        for (Change change : batch.changes()) {
            if (change instanceof Change.Row row && row.schema() != last) {
                last = row.schema();
                if (!mirroredTable(mirror, batch, tables, last.id()).fits(last)) {
                    unfit.add(last);
                }
            }
        }
        if (unfit.isEmpty()) {
            return;
        }
        // The new versions replace the old ones only once their DDL committed; otherwise a failed
        // reconcile would leave this instance believing in columns that were rolled back.
        Map<TableId, MirroredTable> evolved = new HashMap<>();
        inTransaction(mirror, "evolving the destination tables", c -> {
            try (Statement statement = c.createStatement()) {
                statement.execute(LOCK_SCHEMA_CHANGES);
            }
            for (TableSchema schema : unfit) {
                MirroredTable current = evolved.getOrDefault(schema.id(), tables.get(schema.id()));
                DestinationTable table = DestinationTables.reconcile(c, mirror, current.mapping(), schema, false);
                List<ColumnSchema> accepted = new ArrayList<>(current.acceptedColumns());
                // A column renamed since is replaced too: it keeps its attribute number.
                accepted.removeIf(column -> schema.indexOf(column.name()) >= 0 || (column.attributeNumber() > 0
                        && schema.columns().stream().anyMatch(s -> s.attributeNumber() == column.attributeNumber())));
                accepted.addAll(DestinationTables.mappedColumns(current.mapping(), schema, table.excludedSourceColumns()));
                evolved.put(schema.id(), new MirroredTable(current.mapping(), table, accepted));
            }
            c.commit();
            return null;
        });
        tables.putAll(evolved);
    }

    private static MirroredTable mirroredTable(String mirror, ChangeBatch batch, Map<TableId, MirroredTable> tables,
            TableId source) {
        MirroredTable table = tables.get(source);
        if (table == null) {
            throw new IllegalStateException("mirror " + mirror + ", batch " + batch.batchId() + " has a change to "
                    + source + ", which the mirror does not map; prepare the destination with that table first");
        }
        return table;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work}, which commits or rolls back itself; on failure rolls back and drops the connection. */
    private <T> T inTransaction(String mirror, String doing, Work<T> work) {
        Connection c = connection(mirror);
        try {
            return work.run(c);
        } catch (SQLException e) {
            discardConnection();
            throw new DestinationException("mirror " + mirror + ": " + doing + " failed: " + BatchApplier.oneLine(e), e);
        } catch (IllegalStateException e) {
            discardConnection();
            throw new IllegalStateException("mirror " + mirror + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            discardConnection();
            throw e;
        }
    }

    private Connection connection(String mirror) {
        try {
            if (connection == null || connection.isClosed()) {
                stagingTables.clear();
                connection = dataSource.getConnection();
                connection.setAutoCommit(false);
            }
            return connection;
        } catch (SQLException e) {
            discardConnection();
            throw new DestinationException("mirror " + mirror + ": cannot connect to the destination: "
                    + BatchApplier.oneLine(e), e);
        }
    }

    /**
     * Closing rolls back whatever the failed work left open; the next call starts on a fresh
     * connection rather than on one that may be broken.
     */
    private void discardConnection() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException e) {
                log.debug("Rolling back on the failed destination connection failed", e);
            }
        }
        close();
    }
}
