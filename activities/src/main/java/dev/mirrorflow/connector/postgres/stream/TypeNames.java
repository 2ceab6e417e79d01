package dev.mirrorflow.connector.postgres.stream;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * SQL type names for the type oids and modifiers of Relation messages, as {@code format_type}
 * prints them, so that a destination can create a column of exactly that type.
 */
final class TypeNames {

    private record Key(int oid, int modifier) {}

    private final Connection connection;
    private final Map<Key, String> names = new HashMap<>();

    TypeNames(Connection connection) {
        this.connection = connection;
    }

    String name(int oid, int modifier) {
        return names.computeIfAbsent(new Key(oid, modifier), k -> {
            try (PreparedStatement ps = connection.prepareStatement("SELECT format_type(?::oid, ?)")) {
                ps.setInt(1, k.oid());
                ps.setInt(2, k.modifier());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot look up the name of type oid " + k.oid() + ": " + e.getMessage(), e);
            }
        });
    }
}
