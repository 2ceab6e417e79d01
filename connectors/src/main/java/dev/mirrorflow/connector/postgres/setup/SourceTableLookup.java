package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.TableId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Finds a mirror's source tables by identity (relation OID) rather than by name, so that a table
 * renamed at the source is still found, and a table dropped (and maybe created again under its
 * name, which makes it another table) is noticed instead of silently no longer streamed.
 */
public final class SourceTableLookup {

    /**
     * A source table as it is now.
     *
     * @param columns its columns as logical replication sends them (no generated ones), in order
     */
    public record Found(long relationOid, TableId currentName, List<String> columns) {}

    private static final String FIND = """
            SELECT c.oid, n.nspname, c.relname,
                   array(SELECT a.attname::text FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                          ORDER BY a.attnum)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND c.oid = %s""";

    private final Connection connection;

    public SourceTableLookup(Connection connection) {
        this.connection = connection;
    }

    /** The table with this relation OID, if it still exists. */
    public Optional<Found> byOid(long relationOid) throws SQLException {
        return find(FIND.formatted("?::oid"), Long.toString(relationOid));
    }

    /** The table that has this name now, if any. */
    public Optional<Found> byName(TableId name) throws SQLException {
        return find(FIND.formatted("to_regclass(?)"), name.quoted());
    }

    /** Those of the relation OIDs whose tables no longer exist. */
    public List<Long> missing(List<Long> relationOids) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT o FROM unnest(?::bigint[]) o WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = o::oid)")) {
            Array oids = connection.createArrayOf("bigint", relationOids.toArray());
            ps.setArray(1, oids);
            List<Long> missing = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(rs.getLong(1));
                }
            }
            return missing;
        }
    }

    /**
     * The one-line message for a followed table that no longer exists.
     *
     * @param table the table as the spec names it
     * @param knownName the name it had when the mirror last saw it
     */
    public String droppedMessage(String mirror, TableId table, TableId knownName, long relationOid)
            throws SQLException {
        Optional<Found> namesake = byName(knownName);
        String named = knownName.equals(table) ? "source table " + table
                : "source table " + knownName + " (" + table + " in the spec)";
        return "mirror " + mirror + ": " + named + " (relation oid " + relationOid + ") was dropped at the source"
                + namesake.map(f -> ", and " + knownName + " is now another table (relation oid " + f.relationOid()
                        + ") whose rows the mirror never copied").orElse("")
                + "; the destination keeps the rows it had; run mirror resync " + mirror + " to copy the table anew,"
                + " or take it out of the spec with mirror edit " + mirror + " and then mirror resume " + mirror;
    }

    private Optional<Found> find(String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Found(rs.getLong(1), new TableId(rs.getString(2), rs.getString(3)),
                        Arrays.asList((String[]) rs.getArray(4).getArray())));
            }
        }
    }
}
