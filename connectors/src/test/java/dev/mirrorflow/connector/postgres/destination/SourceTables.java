package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.Value;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a real source table the way the change stream sees it: its schema from the catalog
 * (format_type, primary key, enum labels) and its rows as each column's text output, which is
 * what pgoutput sends.
 */
final class SourceTables {

    private SourceTables() {
    }

    static TableSchema describe(Connection connection, TableId table) throws SQLException {
        return new SourceSchemaReader(connection).read(List.of(table)).get(table);
    }

    /** Every row's values as text, NULL as {@link Value#NULL}, in key order. */
    static List<Value[]> rows(Connection connection, TableSchema schema) throws SQLException {
        String columns = schema.columns().stream().map(c -> TableId.quote(c.name()) + "::text")
                .collect(Collectors.joining(", "));
        List<Value[]> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT " + columns + " FROM " + schema.id().quoted() + " ORDER BY " + keyList(schema))) {
            while (result.next()) {
                Value[] values = new Value[schema.columns().size()];
                for (int i = 0; i < values.length; i++) {
                    String text = result.getString(i + 1);
                    values[i] = text == null ? Value.NULL : Value.text(text);
                }
                rows.add(values);
            }
        }
        return rows;
    }

    /** Every row of {@code table} as its record's text form, ordered by {@code orderBy}. */
    static List<String> rowTexts(Connection connection, TableId table, String orderBy) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(
                        "SELECT t::text FROM " + table.quoted() + " t ORDER BY " + orderBy)) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        return rows;
    }

    private static String keyList(TableSchema schema) {
        return schema.key().stream().map(c -> TableId.quote(c.name())).collect(Collectors.joining(", "));
    }
}
