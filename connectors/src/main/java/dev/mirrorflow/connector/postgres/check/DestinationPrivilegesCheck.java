package dev.mirrorflow.connector.postgres.check;

import dev.mirrorflow.connector.MirrorCheckException;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Checks, before {@code mirror create} writes anything, that the destination peer's user may do
 * what the mirror will do there; a mirror without a privilege would otherwise fail at setup or at
 * its first batch. The user needs CREATE on the database (setup runs {@code CREATE SCHEMA IF NOT
 * EXISTS _mirrorflow}, which PostgreSQL checks even when the schema exists, and a target schema
 * that does not exist yet is created), USAGE and CREATE on {@code _mirrorflow} and the right to
 * read and write its tables when they exist, USAGE and CREATE on a target schema that exists and
 * lacks the table, and SELECT, INSERT, UPDATE, DELETE and TRUNCATE on a destination table that
 * exists.
 */
final class DestinationPrivilegesCheck {

    /** mirrorflow's schema at the destination, with its checkpoints and load markers. */
    private static final String METADATA_SCHEMA = "_mirrorflow";

    private static final List<String> METADATA_TABLES = List.of("checkpoints", "source_columns",
            "snapshot_partitions");

    private static final List<String> TABLE_PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE");

    private DestinationPrivilegesCheck() {}

    /**
     * @throws MirrorCheckException naming the first missing privilege and the GRANT that gives it
     */
    static void check(String peerName, PostgresPeer destination, MirrorSpec mirror) {
        SourceOperation op = SourceOperation.creatingMirror("checking the destination user's privileges", destination,
                mirror.name());
        String user = destination.user();
        try (Connection c = destination.connect()) {
            String database = destination.database();
            if (!query(c, "SELECT has_database_privilege(current_database(), 'CREATE')")) {
                throw missing(mirror, peerName, user, "CREATE on database " + database + " (for mirrorflow's schema "
                        + METADATA_SCHEMA + " and new schemas)", "GRANT CREATE ON DATABASE "
                        + TableId.quote(database) + " TO " + TableId.quote(user));
            }
            if (schemaExists(c, METADATA_SCHEMA)) {
                requireSchemaPrivileges(c, mirror, peerName, user, METADATA_SCHEMA);
                for (String table : METADATA_TABLES) {
                    requireTablePrivileges(c, mirror, peerName, user, new TableId(METADATA_SCHEMA, table),
                            List.of("SELECT", "INSERT", "UPDATE", "DELETE"));
                }
            }
            for (TableSpec table : mirror.tables()) {
                TableId target = TableId.parse(table.destination());
                if (!schemaExists(c, target.schema())) {
                    continue;
                }
                if (tableExists(c, target)) {
                    if (!schemaPrivilege(c, target.schema(), "USAGE")) {
                        throw missing(mirror, peerName, user, "USAGE on schema " + target.schema(), "GRANT USAGE ON "
                                + "SCHEMA " + TableId.quote(target.schema()) + " TO " + TableId.quote(user));
                    }
                    requireTablePrivileges(c, mirror, peerName, user, target, TABLE_PRIVILEGES);
                } else {
                    requireSchemaPrivileges(c, mirror, peerName, user, target.schema());
                }
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    private static void requireSchemaPrivileges(Connection c, MirrorSpec mirror, String peerName, String user,
            String schema) throws SQLException {
        boolean usage = schemaPrivilege(c, schema, "USAGE");
        boolean create = schemaPrivilege(c, schema, "CREATE");
        if (!usage || !create) {
            String privileges = !usage && !create ? "USAGE, CREATE" : usage ? "CREATE" : "USAGE";
            throw missing(mirror, peerName, user, privileges + " on schema " + schema, "GRANT " + privileges
                    + " ON SCHEMA " + TableId.quote(schema) + " TO " + TableId.quote(user));
        }
    }

    private static void requireTablePrivileges(Connection c, MirrorSpec mirror, String peerName, String user,
            TableId table, List<String> privileges) throws SQLException {
        if (!tableExists(c, table)) {
            return;
        }
        List<String> lacking = new java.util.ArrayList<>();
        for (String privilege : privileges) {
            try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(to_regclass(?), ?)")) {
                ps.setString(1, table.quoted());
                ps.setString(2, privilege);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        lacking.add(privilege);
                    }
                }
            }
        }
        if (!lacking.isEmpty()) {
            String list = String.join(", ", lacking);
            throw missing(mirror, peerName, user, list + " on table " + table, "GRANT " + list + " ON "
                    + table.quoted() + " TO " + TableId.quote(user));
        }
    }

    private static MirrorCheckException missing(MirrorSpec mirror, String peerName, String user, String what, String grant) {
        return new MirrorCheckException("mirror " + mirror.name() + ": user " + user + " of destination peer " + peerName
                + " lacks " + what + "; run " + grant + " as the owner or a superuser, then run mirror create again");
    }

    private static boolean schemaExists(Connection c, String schema) throws SQLException {
        return query(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)", schema);
    }

    private static boolean tableExists(Connection c, TableId table) throws SQLException {
        return query(c, "SELECT to_regclass(?) IS NOT NULL", table.quoted());
    }

    private static boolean schemaPrivilege(Connection c, String schema, String privilege) throws SQLException {
        return query(c, "SELECT has_schema_privilege(?, ?)", schema, privilege);
    }

    private static boolean query(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
