package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.postgres.setup.RowIdentity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The key columns of a relation, in key order, as {@link RowIdentity} defines them, read from the
 * source's catalog. A Relation message flags the columns of the replica identity, which under
 * REPLICA IDENTITY FULL are all columns, and lists them in column order, not key order: neither
 * says by which columns, in which order, the destination identifies rows.
 */
final class RelationKeys {

    private static final String KEY_COLUMNS = """
            SELECT a.attname
              FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord), pg_attribute a
             WHERE i.indrelid = ?::oid AND %s
               AND a.attrelid = i.indrelid AND a.attnum = u.attnum
             ORDER BY u.ord""".formatted(RowIdentity.KEY_INDEX);

    private final Connection connection;

    RelationKeys(Connection connection) {
        this.connection = connection;
    }

    /** The key column names of relation {@code oid} in key order; empty when it has no key. */
    List<String> of(int oid) {
        try (PreparedStatement ps = connection.prepareStatement(KEY_COLUMNS)) {
            ps.setLong(1, Integer.toUnsignedLong(oid));
            List<String> key = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
            return key;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the key of relation oid " + Integer.toUnsignedLong(oid)
                    + ": " + e.getMessage(), e);
        }
    }
}
