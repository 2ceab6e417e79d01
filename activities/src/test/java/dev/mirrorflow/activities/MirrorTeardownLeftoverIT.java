package dev.mirrorflow.activities;

import dev.mirrorflow.activities.MirrorTeardown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.peer.PeerDataSource;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The SQL a drop names when it cannot reach the destination removes only what mirrorflow
 * created for the mirror: run by hand, it must not drop a user's table the mirror wrote to.
 */
class MirrorTeardownLeftoverIT {

    @Test
    void shouldDropByHandOnlyTheTablesMirrorflowCreatedForTheMirror() throws Exception {
        try (ScratchDatabase db = ScratchDatabase.create("teardown_sql")) {
            db.execute("CREATE TABLE users_own (id int PRIMARY KEY, v text)", "INSERT INTO users_own VALUES (1, 'kept')",
                    "CREATE TABLE \"Other Mirror's\" (id int PRIMARY KEY, v text)",
                    // As an initial load leaves it; the SQL deletes the mirror's markers from it too.
                    "CREATE SCHEMA _mirrorflow", "CREATE TABLE _mirrorflow.snapshot_partitions (mirror text)");
            List<ColumnSchema> columns = List.of(new ColumnSchema("id", "integer", false, 1),
                    new ColumnSchema("v", "text", true, 0));
            List<TableMapping> mappings = List.of(
                    new TableMapping(new TableId("public", "made"), new TableId("public", "made"), Set.of()),
                    new TableMapping(new TableId("public", "users_own"), new TableId("public", "users_own"), Set.of()));
            try (PostgresDestination destination = new PostgresDestination(new PeerDataSource(ScratchPeers.of(db)))) {
                destination.prepare("m", mappings, mappings.stream().map(m -> new TableSchema(m.source(), columns))
                        .toList());
                TableMapping other = new TableMapping(new TableId("public", "Other Mirror's"),
                        new TableId("public", "Other Mirror's"), Set.of());
                destination.prepare("other", List.of(other), List.of(new TableSchema(other.source(), columns)));
            }

            String sql = MirrorTeardown.destinationLeftover("m", mappings, true, "here", "unreachable", true).sql();
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute(sql);
            }

            try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                    "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")) {
                r.next();
                assertThat(r.getString(1)).isEqualTo("Other Mirror's,users_own");
            }
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT v FROM users_own")) {
                r.next();
                assertThat(r.getString(1)).isEqualTo("kept");
            }
        }
    }
}
