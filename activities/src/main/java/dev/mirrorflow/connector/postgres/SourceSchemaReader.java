package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the shape of source tables from the PostgreSQL catalog: columns in order with their
 * types as {@code format_type} prints them, nullability and primary key positions. Generated
 * columns are left out because logical replication does not send them.
 */
public final class SourceSchemaReader {

    private static final String COLUMNS = """
            SELECT a.attname,
                   format_type(a.atttypid, a.atttypmod),
                   a.attnotnull,
                   coalesce(array_position(i.indkey::int2[], a.attnum), 0)
              FROM pg_attribute a
              LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
             WHERE a.attrelid = ?::regclass
               AND a.attnum > 0
               AND NOT a.attisdropped
               AND a.attgenerated = ''
             ORDER BY a.attnum
            """;

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
                        columns.add(new ColumnSchema(rs.getString(1), rs.getString(2), !rs.getBoolean(3), rs.getInt(4)));
                    }
                }
                result.put(table, new TableSchema(table, columns));
            }
        }
        return result;
    }
}
