package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which columns identify a row of a source table when its changes are applied: the columns of
 * the index that REPLICA IDENTITY USING INDEX names, otherwise those of the primary key.
 *
 * <p>Under DEFAULT the old row of an UPDATE or DELETE carries the primary key, and under FULL it
 * carries every column, so the primary key is there too; the replication stream then flags every
 * column as part of the key, which is why the key never comes from the stream's flags. Under
 * USING INDEX the old row carries that index's columns only: nothing else could identify the row
 * of a DELETE, so that index is the key, and the destination's primary key is made of its columns.
 * PostgreSQL accepts only a unique, non-partial, non-deferrable index on NOT NULL columns as a
 * replica identity, so these columns always identify one row.
 */
public final class RowIdentity {

    /** A condition on a {@code pg_index} row aliased {@code i}: it is the index whose columns are the key. */
    public static final String KEY_INDEX = "CASE (SELECT r.relreplident FROM pg_class r WHERE r.oid = i.indrelid)"
            + " WHEN 'i' THEN i.indisreplident ELSE i.indisprimary END";

    // The table, then (for a partitioned table) its leaf partitions, which hold its rows and
    // whose replica identities are what PostgreSQL logs.
    private static final String TREE = """
            SELECT p.relid::regclass::text, c.relkind, c.relreplident,
                   (SELECT NOT i.indimmediate FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident),
                   ARRAY(SELECT a.attname::text
                           FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord), pg_attribute a
                          WHERE i.indrelid = c.oid AND %s AND a.attrelid = c.oid AND a.attnum = u.attnum
                          ORDER BY u.ord)
              FROM (SELECT ?::regclass AS relid, 0 AS level
                    UNION ALL
                    SELECT t.relid, t.level FROM pg_partition_tree(?::regclass) t WHERE t.isleaf AND t.level > 0) p
              JOIN pg_class c ON c.oid = p.relid
             ORDER BY p.level, p.relid::regclass::text""".formatted(KEY_INDEX);

    private RowIdentity() {}

    /** Whether a relation's changes can be applied by a key, and if not, why. */
    enum Usability {
        USABLE,
        /** REPLICA IDENTITY NOTHING, or USING INDEX of an index that was dropped since. */
        NOTHING,
        /** Neither a primary key nor REPLICA IDENTITY USING INDEX. */
        NO_KEY,
        /** The primary key is DEFERRABLE, which PostgreSQL does not use as a replica identity. */
        DEFERRABLE_KEY,
        /** A partition whose old rows would lack some of its partitioned table's key columns. */
        KEY_NOT_LOGGED
    }

    /**
     * A table or partition as the catalog describes its identity.
     *
     * @param deferrablePrimaryKey null without a primary key
     * @param key the key's column names in key order; empty without a key
     */
    record Relation(String name, char kind, char replicaIdentity, Boolean deferrablePrimaryKey,
            boolean hasIdentityIndex, List<String> key) {

        boolean partitioned() {
            return kind == 'p';
        }

        /**
         * @param tableKey for a partition, the key of its partitioned table, which its old rows
         *     must carry; null for the table named in the mirror
         */
        Usability usability(List<String> tableKey) {
            switch (replicaIdentity) {
                case 'n':
                    return Usability.NOTHING;
                case 'i':
                    if (!hasIdentityIndex) {
                        return Usability.NOTHING;
                    }
                    break;
                case 'f':
                    // The whole old row is logged: any key is in it.
                    if (tableKey != null) {
                        return Usability.USABLE;
                    }
                    break;
                default:
                    break;
            }
            if (replicaIdentity != 'i') {
                if (deferrablePrimaryKey == null) {
                    return Usability.NO_KEY;
                }
                if (deferrablePrimaryKey) {
                    return Usability.DEFERRABLE_KEY;
                }
            }
            if (tableKey != null && !key.containsAll(tableKey)) {
                return Usability.KEY_NOT_LOGGED;
            }
            return Usability.USABLE;
        }
    }

    /**
     * The table, then, when it is partitioned, each of its leaf partitions.
     *
     * @throws SQLException with SQLSTATE 42P01 when the table does not exist
     */
    static List<Relation> readTree(Connection c, TableId table) throws SQLException {
        List<Relation> tree = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(TREE)) {
            ps.setString(1, table.quoted());
            ps.setString(2, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean noPrimaryKey = rs.getObject(4) == null;
                    tree.add(new Relation(rs.getString(1), rs.getString(2).charAt(0), rs.getString(3).charAt(0),
                            noPrimaryKey ? null : rs.getBoolean(4), rs.getBoolean(5),
                            Arrays.asList((String[]) rs.getArray(6).getArray())));
                }
            }
        }
        return tree;
    }
}
