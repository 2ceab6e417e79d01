package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.TableId;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.MISSING_REPLICATION_PRIVILEGE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.MISSING_TABLE_PRIVILEGE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.NO_FREE_REPLICATION_SLOTS;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.NO_REPLICA_IDENTITY;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.PUBLICATION_FILTERS_CHANGES;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.PUBLICATION_NOT_VIA_ROOT;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.SLOT_OTHER_DATABASE;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.SLOT_WRONG_PLUGIN;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.TABLE_MISSING;
import static dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem.WAL_LEVEL_NOT_LOGICAL;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Checks, before a mirror starts, everything on a PostgreSQL source that would otherwise fail
 * later and less clearly: wal_level, the user's REPLICATION attribute and table privileges, that
 * the tables exist and have a key and a replica identity that carries it, that a publication
 * the spec names publishes partitioned tables under their own names, and the state of the
 * mirror's slot. It changes
 * nothing. Each problem is a permanent {@link SourceConfigurationException} with one line that
 * says what to do; connection trouble goes through {@link SourceFailureClassifier}.
 */
public final class SourceValidator {

    private static final String PLUGIN = "pgoutput";

    private SourceValidator() {}

    public static void validate(PostgresPeer peer, MirrorSource source) {
        validate(peer, source, new SourceOperation("validating the source", peer, source.mirror(), null, null));
    }

    /**
     * Validates the source of a mirror that {@code mirror create} is about to create: the same
     * checks, with messages that end in running the command again rather than in resuming a
     * mirror that does not exist.
     */
    public static void validateNewMirror(PostgresPeer peer, MirrorSource source) {
        validate(peer, source, SourceOperation.creatingMirror("validating the source", peer, source.mirror()));
    }

    private static void validate(PostgresPeer peer, MirrorSource source, SourceOperation op) {
        try (Connection c = peer.connect()) {
             requireLogicalWalLevel(setting(c, "wal_level"), op);
            requireReplicationAttribute(c, op);
            requireReadableTables(c, source.tables(), op);
            requireRowIdentity(c, source, op);
            if (!slotExists(c, source, op.withSlot(source.slot()))) {
                 requireFreeSlot(usedSlots(c), Integer.parseInt(setting(c, "max_replication_slots")),
                        op.withSlot(source.slot()));
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Separate from the query so that it can be tested: the shared test server runs with
     * wal_level=logical, and changing that needs a restart.
     */
    public static void requireLogicalWalLevel(String walLevel, SourceOperation op) {
        if (!"logical".equals(walLevel)) {
            throw new SourceConfigurationException(WAL_LEVEL_NOT_LOGICAL, SourceFailureClassifier.walLevelMessage(
                    op, "wal_level is " + walLevel + ", not logical"), null);
        }
    }

    /**
     * Separate from the query so that it can be tested: the shared test server has free slots, and
     * lowering max_replication_slots needs a restart. Another session may take the last slot after
     * this check; slot creation then fails with SQLSTATE 53400 and the same message.
     */
    public static void requireFreeSlot(long usedSlots, int maxReplicationSlots, SourceOperation op) {
        if (usedSlots >= maxReplicationSlots) {
            throw new SourceConfigurationException(NO_FREE_REPLICATION_SLOTS,
                    SourceFailureClassifier.noFreeSlotsMessage(op), null);
        }
    }

    /**
     * Whether the mirror's slot exists; if it does, it must be a pgoutput slot of the database we
     * are connected to. Works on a replication session too.
     */
    static boolean slotExists(Connection c, MirrorSource source, SourceOperation op) throws SQLException {
        String sql = "SELECT slot_type, plugin, database, database = current_database()"
                + " FROM pg_replication_slots WHERE slot_name = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, source.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                String type = rs.getString(1);
                String plugin = rs.getString(2);
                String database = rs.getString(3);
                if (!"logical".equals(type) || !PLUGIN.equals(plugin)) {
                    String what = "logical".equals(type) ? "uses plugin " + plugin : "is a " + type + " slot";
                    throw new SourceConfigurationException(SLOT_WRONG_PLUGIN, op.subject() + ": replication slot "
                            + source.slot() + " exists but " + what + ", not " + PLUGIN + "; drop it (SELECT "
                            + "pg_drop_replication_slot('" + source.slot() + "')) or give the mirror another slot "
                            + "name, " + op.thenAgain(), null);
                }
                if (!rs.getBoolean(4)) {
                    throw new SourceConfigurationException(SLOT_OTHER_DATABASE, op.subject() + ": replication slot "
                            + source.slot() + " exists but belongs to database " + database + ", not "
                            + op.peer().database() + "; give the mirror another slot name or point the source "
                            + "peer at database " + database + ", " + op.thenAgain(), null);
                }
                return true;
            }
        }
    }

    private static void requireReplicationAttribute(Connection c, SourceOperation op) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                        "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user");
                ResultSet rs = ps.executeQuery()) {
            if (rs.next() && !rs.getBoolean(1)) {
                String user = op.peer().user();
                throw new SourceConfigurationException(MISSING_REPLICATION_PRIVILEGE, op.subject() + ": user " + user
                        + " has neither the REPLICATION attribute nor superuser on " + op.peer().location()
                        + "; run ALTER ROLE " + user + " REPLICATION as a superuser, " + op.thenAgain(), null);
            }
        }
    }

    /**
     * One query for all tables. Problems are reported one kind at a time, each naming every table
     * that has it, so that a user fixes a whole kind in one go.
     */
    private static void requireReadableTables(Connection c, List<TableId> tables, SourceOperation op)
            throws SQLException {
        String sql = "SELECT c.oid IS NOT NULL,"
                + " c.oid IS NOT NULL AND has_table_privilege(c.oid, 'SELECT')"
                + " FROM unnest(?::text[]) WITH ORDINALITY AS t(name, ord)"
                + " LEFT JOIN pg_class c ON c.oid = to_regclass(t.name)"
                + " ORDER BY t.ord";
        List<TableId> missing = new ArrayList<>();
        List<TableId> unreadable = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(TableId::quoted).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                for (TableId table : tables) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(table);
                    } else if (!rs.getBoolean(2)) {
                        unreadable.add(table);
                    }
                }
            }
        }
        String user = op.peer().user();
        if (!missing.isEmpty()) {
            boolean one = missing.size() == 1;
            throw new SourceConfigurationException(TABLE_MISSING, op.subject() + ": " + names(missing)
                    + (one ? " does" : " do") + " not exist in " + op.peer().location() + "; create "
                    + (one ? "it or remove it" : "them or remove them") + " from the mirror, " + op.thenAgain(),
                    null);
        }
        if (!unreadable.isEmpty()) {
            throw new SourceConfigurationException(MISSING_TABLE_PRIVILEGE, op.subject() + ": user " + user
                    + " may not read " + names(unreadable) + "; run GRANT SELECT ON " + quoted(unreadable) + " TO "
                    + user + ", " + op.thenAgain(), null);
        }
    }

    /**
     * Every table must have a key that identifies its rows (see {@link RowIdentity}), and a
     * replica identity PostgreSQL can log it with: once a table without one is in a publication
     * that publishes updates and deletes, PostgreSQL refuses the source application's own UPDATEs
     * and DELETEs on it. So this runs before any table is added to a publication. A partitioned
     * table's changes are made in its partitions, so each partition must carry the parent's key in
     * its replica identity, and the publication must publish them under the parent's name.
     */
    static void requireRowIdentity(Connection c, MirrorSource source, SourceOperation op) throws SQLException {
        List<TableId> nothing = new ArrayList<>();
        List<TableId> noKey = new ArrayList<>();
        List<TableId> deferrable = new ArrayList<>();
        List<String> partitions = new ArrayList<>();
        List<TableId> partitioned = new ArrayList<>();
        for (TableId table : source.tables()) {
            List<RowIdentity.Relation> tree = RowIdentity.readTree(c, table);
            RowIdentity.Relation top = tree.get(0);
            switch (top.usability(null)) {
                case NOTHING -> nothing.add(table);
                case NO_KEY -> noKey.add(table);
                case DEFERRABLE_KEY -> deferrable.add(table);
                default -> {
                    for (RowIdentity.Relation leaf : tree.subList(1, tree.size())) {
                        if (leaf.usability(top.key()) != RowIdentity.Usability.USABLE) {
                            partitions.add(leaf.name() + " (of " + table + ")");
                        }
                    }
                }
            }
            if (top.partitioned()) {
                partitioned.add(table);
            }
        }
        if (!nothing.isEmpty()) {
            throw new SourceConfigurationException(NO_REPLICA_IDENTITY, op.subject() + ": " + names(nothing)
                    + " with REPLICA IDENTITY NOTHING (or USING INDEX of a dropped index) cannot be mirrored, and in a"
                    + " publication the source's own UPDATEs and DELETEs on it would fail; run ALTER TABLE "
                    + alterTarget(nothing) + " REPLICA IDENTITY DEFAULT (with a primary key) or USING INDEX (a unique"
                    + " index on NOT NULL columns), " + op.thenAgain(), null);
        }
        if (!noKey.isEmpty()) {
            throw new SourceConfigurationException(NO_REPLICA_IDENTITY, op.subject() + ": " + names(noKey)
                    + " without a primary key cannot be mirrored (mirrorflow applies updates and deletes by a key,"
                    + " and REPLICA IDENTITY FULL is none); add a primary key, or a unique index on NOT NULL columns"
                    + " and run ALTER TABLE " + alterTarget(noKey) + " REPLICA IDENTITY USING INDEX <that index>, "
                    + op.thenAgain(), null);
        }
        if (!deferrable.isEmpty()) {
            throw new SourceConfigurationException(NO_REPLICA_IDENTITY, op.subject() + ": " + names(deferrable)
                    + " with a DEFERRABLE primary key cannot be mirrored (PostgreSQL does not log it as a replica"
                    + " identity, so in a publication the source's own UPDATEs and DELETEs would fail, and a deferred"
                    + " key may repeat inside a transaction); recreate the primary key NOT DEFERRABLE, or add a unique"
                    + " index on NOT NULL columns and run ALTER TABLE " + alterTarget(deferrable) + " REPLICA IDENTITY"
                    + " USING INDEX <that index>, " + op.thenAgain(), null);
        }
        if (!partitions.isEmpty()) {
            throw new SourceConfigurationException(NO_REPLICA_IDENTITY, op.subject() + ": partition(s) "
                    + String.join(", ", partitions) + " have a replica identity without their table's key, so"
                    + " their updates and deletes cannot be mirrored (and may fail at the source once published);"
                    + " run ALTER TABLE <partition> REPLICA IDENTITY DEFAULT (with the table's primary key) or FULL"
                    + " on each, " + op.thenAgain(), null);
        }
        if (!partitioned.isEmpty() && publishesViaLeaves(c, source.publication())) {
            throw new SourceConfigurationException(PUBLICATION_NOT_VIA_ROOT, op.subject() + ": publication "
                    + source.publication() + " publishes the changes of partitioned " + names(partitioned)
                    + " under its partitions' names, which the mirror would miss; run ALTER PUBLICATION "
                    + TableId.quote(source.publication()) + " SET (publish_via_partition_root = true), "
                    + op.thenAgain(), null);
        }
        for (TableId table : source.tables()) {
            requireChangesUnderOwnName(c, source, table, op);
        }
        requireEveryChangePublished(c, source, op);
    }

    /**
     * A publication the spec names may publish less than every change of the mirror's tables:
     * only some operations ({@code publish = 'insert'}), only some rows (a row filter) or only some
     * columns (a column list). The load copies everything and the stream would then leave what
     * it does not publish behind, without a word; so such a publication is refused. The JSON
     * detour reads row filters and column lists, which PostgreSQL 15 introduced, on older servers
     * too.
     */
    private static void requireEveryChangePublished(Connection c, MirrorSource source, SourceOperation op)
            throws SQLException {
        String publication = TableId.quote(source.publication());
        try (PreparedStatement ps = c.prepareStatement("SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate"
                + " FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, source.publication());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !rs.getBoolean(1)) {
                    throw new SourceConfigurationException(PUBLICATION_FILTERS_CHANGES, op.subject() + ": publication "
                            + source.publication() + " does not publish every kind of change, so the mirror would"
                            + " miss some; run ALTER PUBLICATION " + publication
                            + " SET (publish = 'insert, update, delete, truncate'), " + op.thenAgain(), null);
                }
            }
        }
        String sql = """
                SELECT t.schemaname, t.tablename, row_to_json(t)->>'rowfilter' IS NOT NULL,
                       coalesce(json_array_length(row_to_json(t)->'attnames'), -1) <> -1
                         AND json_array_length(row_to_json(t)->'attnames') < (
                             SELECT count(*) FROM pg_attribute a
                              WHERE a.attrelid = format('%I.%I', t.schemaname, t.tablename)::regclass
                                AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')
                  FROM pg_publication_tables t WHERE t.pubname = ?""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, source.publication());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableId table = new TableId(rs.getString(1), rs.getString(2));
                    if (!source.tables().contains(table) || !(rs.getBoolean(3) || rs.getBoolean(4))) {
                        continue;
                    }
                    throw new SourceConfigurationException(PUBLICATION_FILTERS_CHANGES, op.subject() + ": publication "
                            + source.publication() + " publishes only some " + (rs.getBoolean(3) ? "rows" : "columns")
                            + " of table " + table + " (a " + (rs.getBoolean(3) ? "row filter" : "column list")
                            + "), so the mirror would miss changes; run ALTER PUBLICATION " + publication
                            + " SET TABLE ... without it, or leave publication: out of the spec so that mirrorflow"
                            + " makes its own, " + op.thenAgain(), null);
                }
            }
        }
    }

    /**
     * A partition the mirror names gets its changes under its own name only while no ancestor
     * of it is published with publish_via_partition_root: otherwise they arrive under the
     * ancestor's name, and a partition named next to its partitioned table would be loaded twice.
     */
    private static void requireChangesUnderOwnName(Connection c, MirrorSource source, TableId table,
            SourceOperation op) throws SQLException {
        String sql = """
                SELECT EXISTS (SELECT 1 FROM pg_publication p
                                WHERE p.pubname = ? AND p.pubviaroot
                                  AND (p.puballtables
                                       OR EXISTS (SELECT 1 FROM pg_publication_rel r
                                                   WHERE r.prpubid = p.oid AND r.prrelid = a.relid)
                                       OR EXISTS (SELECT 1 FROM pg_publication_namespace n
                                                   WHERE n.pnpubid = p.oid AND n.pnnspid = ac.relnamespace))),
                       ac.relnamespace::regnamespace::text, ac.relname
                  FROM pg_partition_ancestors(?::regclass) a
                  JOIN pg_class ac ON ac.oid = a.relid
                 WHERE a.relid <> ?::regclass""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, source.publication());
            ps.setString(2, table.quoted());
            ps.setString(3, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableId ancestor = new TableId(rs.getString(2), rs.getString(3));
                    if (source.tables().contains(ancestor)) {
                        throw new SourceConfigurationException(NO_REPLICA_IDENTITY, op.subject() + ": table " + table
                                + " is a partition of " + ancestor + ", which the mirror also names; remove " + table
                                + " from the mirror (its rows come with " + ancestor + "), " + op.thenAgain(), null);
                    }
                    if (rs.getBoolean(1)) {
                        throw new SourceConfigurationException(PUBLICATION_NOT_VIA_ROOT, op.subject() + ": table "
                                + table + " is a partition of " + ancestor + ", and publication "
                                + source.publication() + " publishes its changes under " + ancestor
                                + "'s name, which the mirror would miss; name " + ancestor + " in the mirror instead, "
                                + op.thenAgain(), null);
                    }
                }
            }
        }
    }

    /** Whether the publication exists and publishes a partition's changes as its own. */
    private static boolean publishesViaLeaves(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT NOT pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** What an ALTER TABLE in a message names: the table, or "..." to run on each of several. */
    private static String alterTarget(List<TableId> tables) {
        return tables.size() == 1 ? tables.get(0).quoted() : "...";
    }

    private static String names(List<TableId> tables) {
        return (tables.size() == 1 ? "table " : "tables ")
                + tables.stream().map(TableId::toString).collect(Collectors.joining(", "));
    }

    private static String quoted(List<TableId> tables) {
        return tables.stream().map(TableId::quoted).collect(Collectors.joining(", "));
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static long usedSlots(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_replication_slots");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
