package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.ExistingRows;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the shape of source tables from the PostgreSQL catalog: columns in order with their
 * types as {@code format_type} prints them, nullability, key positions (in key order; the key
 * is what {@link RowIdentity} says identifies a row) and the labels of enum types. Each column
 * also carries its attribute number (which a rename keeps), what the rows it was added to read
 * in it ({@link ExistingRowsReading}), and, for a generated column, its expression: logical
 * replication does not send generated columns, so a destination computes them itself.
 */
public final class SourceSchemaReader {

    // Enum labels in sort order, for an enum column or an array of enums, so that a
    // destination can create the type; empty for every other type.
    public static final String ENUM_LABELS = """
            coalesce((SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e
                       WHERE e.enumtypid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END),
                     '{}')""";

    private static final String COLUMNS = """
            SELECT a.attname,
                   format_type(a.atttypid, a.atttypmod),
                   a.attnotnull,
                   coalesce(k.ord, 0),
                   %s,
                   a.attnum,
                   CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                   %s
              FROM pg_attribute a
              JOIN pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              LEFT JOIN LATERAL (
                   SELECT u.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord)
                    WHERE i.indrelid = a.attrelid AND %s AND u.attnum = a.attnum) k ON true
              %s
             WHERE a.attrelid = ?::regclass
               AND a.attnum > 0
               AND NOT a.attisdropped
             ORDER BY a.attnum
            """.formatted(ENUM_LABELS, ExistingRowsReading.COLUMNS, RowIdentity.KEY_INDEX, ExistingRowsReading.JOIN);

    private final Connection connection;

    public SourceSchemaReader(Connection connection) {
        this.connection = connection;
    }

    /**
     * The schemas of the given tables, in the given order.
     *
     * @throws SQLException with SQLSTATE 42P01 when a table does not exist
     */
    public Map<TableId, TableSchema> read(List<TableId> tables) throws SQLException {
        Map<TableId, TableSchema> result = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
            for (TableId table : tables) {
                ps.setString(1, table.quoted());
                List<ColumnSchema> columns = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        String generated = rs.getString(7);
                        ExistingRows existing = generated != null ? ExistingRows.NULL : ExistingRowsReading.of(
                                name, rs.getBoolean(8), rs.getString(9), rs.getBoolean(10), rs.getString(11));
                        columns.add(new ColumnSchema(name, rs.getString(2), !rs.getBoolean(3), rs.getInt(4),
                                Arrays.asList((String[]) rs.getArray(5).getArray()), rs.getInt(6), generated,
                                existing));
                    }
                }
                result.put(table, new TableSchema(table, columns));
            }
        }
        return result;
    }
}
