package dev.mirrorflow.connector.postgres.stream;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SQL types for the type oids and modifiers of Relation messages: the name as
 * {@code format_type} prints it and an enum's labels, so that a destination can create a column
 * of exactly that type. An enum that gains a label sends no new Relation message, so the caller
 * {@link #forget}s a type whose labels turn out to be stale and looks it up again.
 */
final class TypeNames {

    private record Key(int oid, int modifier) {}

    /** A type as a destination needs it: its name and, for enums, its labels. */
    record Type(String name, List<String> enumLabels) {}

    private final Connection connection;
    private final Map<Key, Type> types = new HashMap<>();

    TypeNames(Connection connection) {
        this.connection = connection;
    }

    Type type(int oid, int modifier) {
        return types.computeIfAbsent(new Key(oid, modifier), k -> {
            try (PreparedStatement ps = connection.prepareStatement("SELECT format_type(t.oid, ?), "
                    + SourceSchemaReader.ENUM_LABELS + " FROM pg_type t WHERE t.oid = ?::oid")) {
                ps.setInt(1, k.modifier());
                ps.setInt(2, k.oid());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new Type(rs.getString(1), Arrays.asList((String[]) rs.getArray(2).getArray()));
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot look up the name of type oid " + k.oid() + ": " + e.getMessage(), e);
            }
        });
    }

    /** Drops what is known of type {@code oid}, so that the next lookup reads it again. */
    void forget(int oid) {
        types.keySet().removeIf(key -> key.oid() == oid);
    }
}
