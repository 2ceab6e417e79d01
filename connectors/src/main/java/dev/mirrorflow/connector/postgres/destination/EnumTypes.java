package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.connector.ColumnSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the enum types that source columns use, copying their labels, and adds labels the
 * source gained since. A COPY of an enum value the destination does not know fails, so the
 * destination's labels must be a superset of the source's before rows arrive.
 */
final class EnumTypes {

    private static final Logger log = LoggerFactory.getLogger(EnumTypes.class);

    private EnumTypes() {
    }

    /**
     * Makes every enum type that {@code columns} name exist at the destination with at least
     * their labels. Runs in the caller's transaction; PostgreSQL 12+ allows {@code ALTER TYPE
     * ... ADD VALUE} there as long as the new label is not used before commit, which prepare
     * never does.
     */
    static void ensure(Connection connection, List<ColumnSchema> columns) throws SQLException {
        Map<String, List<String>> labelsByType = new LinkedHashMap<>();
        for (ColumnSchema column : columns) {
            if (!column.enumLabels().isEmpty()) {
                labelsByType.putIfAbsent(elementType(column.type()), column.enumLabels());
            }
        }
        for (Map.Entry<String, List<String>> type : labelsByType.entrySet()) {
            ensure(connection, type.getKey(), type.getValue());
        }
    }

    /** The element type of an array type ({@code public.mood[]} gives {@code public.mood}). */
    static String elementType(String type) {
        String element = type;
        while (element.endsWith("[]")) {
            element = element.substring(0, element.length() - 2);
        }
        return element;
    }

    private static void ensure(Connection connection, String type, List<String> sourceLabels)
            throws SQLException {
        Character kind = kindOf(connection, type);
        if (kind == null) {
            create(connection, type, sourceLabels);
            return;
        }
        if (kind != 'e') {
            throw new IllegalStateException("type " + type + " exists at the destination but is not an enum as at"
                    + " the source; drop or rename it at the destination");
        }
        List<String> destinationLabels = labels(connection, type);
        for (int i = 0; i < sourceLabels.size(); i++) {
            String label = sourceLabels.get(i);
            if (destinationLabels.contains(label)) {
                continue;
            }
            // Placing each new label after its source predecessor keeps the source's sort order,
            // which ORDER BY and comparisons on the enum depend on.
            String position = i > 0 ? " AFTER " + quoteLiteral(sourceLabels.get(i - 1))
                    : destinationLabels.isEmpty() ? "" : " BEFORE " + quoteLiteral(destinationLabels.get(0));
            try (Statement statement = connection.createStatement()) {
                statement.execute("ALTER TYPE " + type + " ADD VALUE IF NOT EXISTS " + quoteLiteral(label) + position);
            }
            destinationLabels.add(label);
            log.info("Added label {} to enum type {} at the destination", label, type);
        }
    }

    private static Character kindOf(Connection connection, String type) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT t.typtype FROM pg_type t WHERE t.oid = to_regtype(?)")) {
            statement.setString(1, type);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1).charAt(0) : null;
            }
        }
    }

    private static List<String> labels(Connection connection, String type) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = to_regtype(?) ORDER BY enumsortorder")) {
            statement.setString(1, type);
            List<String> labels = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    labels.add(rows.getString(1));
                }
            }
            return labels;
        }
    }

    private static void create(Connection connection, String type, List<String> labels) throws SQLException {
        // The type name is format_type() output, so it is already valid SQL; parse_ident splits a
        // qualified one so that its schema can be created first.
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT quote_ident(p[1]) FROM parse_ident(?) p WHERE cardinality(p) = 2")) {
            statement.setString(1, type);
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    try (Statement ddl = connection.createStatement()) {
                        ddl.execute("CREATE SCHEMA IF NOT EXISTS " + rows.getString(1));
                    }
                }
            }
        }
        StringBuilder sql = new StringBuilder("CREATE TYPE ").append(type).append(" AS ENUM (");
        for (int i = 0; i < labels.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(quoteLiteral(labels.get(i)));
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql.append(')').toString());
        }
        log.info("Created enum type {} at the destination with labels {}", type, labels);
    }

    /**
     * A string literal for DDL, which takes no bind parameters. An escape string ({@code E'...'})
     * reads backslashes the same way whatever standard_conforming_strings says, so doubling
     * backslashes and quotes is the whole of the escaping.
     */
    static String quoteLiteral(String text) {
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
