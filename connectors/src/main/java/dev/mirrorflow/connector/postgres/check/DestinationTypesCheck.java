package dev.mirrorflow.connector.postgres.check;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.MirrorCheckException;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.destination.DestinationException;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Checks, before {@code mirror create} (or an edit that adds tables) writes anything, that the
 * destination database has the type of every column the mirror copies: mirrorflow creates the
 * enum types it needs, but a domain, a composite type or an extension's type must exist there
 * already. Without this, the mirror would fail at setup after creating its publication and slot.
 */
final class DestinationTypesCheck {

    /** A domain's definition at the source, to show how to create it at the destination. */
    private static final String DOMAIN_DEFINITION = """
            SELECT format('CREATE DOMAIN %s AS %s', t.oid::regtype, format_type(t.typbasetype, t.typtypmod))
                   || coalesce(' ' || (SELECT string_agg(pg_get_constraintdef(c.oid), ' ')
                                         FROM pg_constraint c WHERE c.contypid = t.oid), '')
              FROM pg_type t
             WHERE t.oid = (SELECT CASE WHEN e.typelem <> 0 AND e.typcategory = 'A' THEN e.typelem ELSE e.oid END
                              FROM pg_type e WHERE e.oid = to_regtype(?))
               AND t.typtype = 'd'""";

    private DestinationTypesCheck() {}

    /**
     * Runs after the source validator, which has made sure that every table exists.
     *
     * @throws MirrorCheckException naming the first column whose type the destination lacks, and what to do
     */
    static void check(PostgresPeer source, String destinationPeer, PostgresPeer destination, MirrorSpec mirror,
            String again) {
        SourceOperation op = SourceOperation.creatingMirror("reading the source tables' types", source, mirror.name());
        try (Connection src = source.connect(); Connection dst = connectTo(destinationPeer, destination)) {
            List<TableId> tables = mirror.tables().stream().map(t -> TableId.parse(t.source())).toList();
            Map<TableId, TableSchema> schemas = new SourceSchemaReader(src).read(tables);
            for (TableSpec table : mirror.tables()) {
                TableSchema schema = schemas.get(TableId.parse(table.source()));
                for (ColumnSchema column : schema.columns()) {
                    if (table.exclude().contains(column.name()) || !column.enumLabels().isEmpty()
                            || exists(dst, column.type())) {
                        continue;
                    }
                    String definition = definition(src, column.type());
                    throw new MirrorCheckException("mirror " + mirror.name() + ": column " + column.name() + " of source table "
                            + table.source() + " has type " + column.type() + ", which the destination database does not"
                            + " have; create it there first" + (definition == null ? "" : " (at the source: "
                                    + definition + ")") + " or exclude the column (mirrorflow creates enum types only),"
                            + " then run " + again);
                }
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    private static Connection connectTo(String peer, PostgresPeer destination) {
        try {
            return destination.connect();
        } catch (SQLException e) {
            throw new DestinationException("cannot connect to destination peer " + peer + " at "
                    + destination.location() + ": " + e.getMessage(), e);
        }
    }

    private static boolean exists(Connection destination, String type) throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String definition(Connection source, String type) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement(DOMAIN_DEFINITION)) {
            ps.setString(1, type);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
