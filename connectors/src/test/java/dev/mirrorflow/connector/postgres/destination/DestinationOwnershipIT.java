package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mirrorflow drops or recreates only the destination tables it created, and refuses to write
 * where it would destroy what it does not own: a user's table of another shape, the source
 * table itself, another mirror's table, a system schema.
 */
class DestinationOwnershipIT {

    private static final TableId SHAPE = new TableId("public", "shape");
    private static final TableSchema SOURCE_SHAPE = new TableSchema(SHAPE, List.of(
            new ColumnSchema("id", "integer", false, 1), new ColumnSchema("v", "text", true, 0)));
    private static final List<TableMapping> MAPPINGS = List.of(new TableMapping(SHAPE, SHAPE, Set.of()));

    private ScratchDatabase sourceDb;
    private ScratchDatabase destinationDb;
    private PostgresDestination destination;

    @BeforeEach
    void databases() throws SQLException {
        sourceDb = ScratchDatabase.create("own_src");
        destinationDb = ScratchDatabase.create("own_dst");
        sourceDb.execute("CREATE TABLE shape (id int PRIMARY KEY, v text)", "INSERT INTO shape VALUES (1, 'one')");
        destination = new PostgresDestination(ScratchDataSource.of(destinationDb));
    }

    @AfterEach
    void drop() {
        destination.close();
        sourceDb.close();
        destinationDb.close();
    }

    @Test
    void shouldRefuseAUsersTableOfAnotherShapeWritingNothingAndNeverDropIt() throws SQLException {
        usersTableOfAnotherShape();

        assertThatThrownBy(() -> DestinationValidator.validate("m", peer(sourceDb), peer(destinationDb), MAPPINGS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("destination table public.shape already exists and does not match source table"
                        + " public.shape: its column id is text but the source's is integer; mirrorflow writes only"
                        + " to a table it creates or to one with exactly the source's columns and key, so map the"
                        + " mirror to another destination table, or change or drop that table yourself");
        assertThat(query(destinationDb, "SELECT count(*) FROM pg_namespace WHERE nspname = '_mirrorflow'"))
                .as("nothing written").containsExactly("0");

        // Whatever a mirror on that table is asked to do, the table and its row stay.
        assertThatThrownBy(() -> destination.prepare("m", MAPPINGS, List.of(SOURCE_SHAPE)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mirrorflow did not create destination table public.shape and never drops it")
                .message().doesNotContain("resync");
        destination.forgetForResync("m", MAPPINGS);
        destination.forget("m", MAPPINGS, true);
        assertThat(query(destinationDb, "SELECT id || ' ' || other || ' ' || extra FROM shape"))
                .containsExactly("x 7 {\"k\": 1}");
    }

    @Test
    void shouldDropTheTableItCreatedButOnlyEmptyOrKeepAMatchingTableThatExistedBefore() throws SQLException {
        destinationDb.execute("CREATE TABLE shape (id int PRIMARY KEY, v text)", "INSERT INTO shape VALUES (9, 'mine')");
        DestinationValidator.validate("m", peer(sourceDb), peer(destinationDb), MAPPINGS);
        destination.prepare("m", MAPPINGS, List.of(SOURCE_SHAPE));

        // A resync empties the user's table and keeps it; a drop keeps it with its rows.
        destination.forgetForResync("m", MAPPINGS);
        assertThat(query(destinationDb, "SELECT count(*) FROM shape")).containsExactly("0");
        destinationDb.execute("INSERT INTO shape VALUES (9, 'mine')");
        destination.prepare("m", MAPPINGS, List.of(SOURCE_SHAPE));
        destination.forget("m", MAPPINGS, true);
        assertThat(query(destinationDb, "SELECT id || ' ' || v FROM shape")).containsExactly("9 mine");

        // Created by mirrorflow (after the user dropped theirs), it is dropped.
        destinationDb.execute("DROP TABLE shape");
        destination.prepare("m", MAPPINGS, List.of(SOURCE_SHAPE));
        destination.forget("m", MAPPINGS, true);
        assertThat(query(destinationDb, "SELECT count(*) FROM pg_tables WHERE tablename = 'shape'")).containsExactly("0");
    }

    @Test
    void shouldRefuseAndNeverDropAnotherMirrorsTable() throws SQLException {
        destination.prepare("first", MAPPINGS, List.of(SOURCE_SHAPE));
        destinationDb.execute("INSERT INTO shape VALUES (1, 'first''s row')");

        assertThatThrownBy(() -> DestinationValidator.validate("second", peer(sourceDb), peer(destinationDb), MAPPINGS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("destination table public.shape belongs to mirror first; map this mirror to"
                        + " another destination table");
        assertThatThrownBy(() -> destination.prepare("second", MAPPINGS, List.of(SOURCE_SHAPE)))
                .hasMessageContaining("belongs to mirror first");
        destination.forgetForResync("second", MAPPINGS);
        destination.forget("second", MAPPINGS, true);

        assertThat(query(destinationDb, "SELECT id || ' ' || v FROM shape")).containsExactly("1 first's row");
    }

    @Test
    void shouldRefuseTheSourceTableItselfAsDestinationAndNeverTouchIt() throws SQLException {
        PostgresPeer sameDatabase = peer(sourceDb);

        assertThatThrownBy(() -> DestinationValidator.validate("m", peer(sourceDb), sameDatabase, MAPPINGS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("destination table public.shape is source table public.shape itself: the"
                        + " source (")
                .hasMessageContaining("are the same database");
        assertThat(DestinationValidator.withoutSourceTables(peer(sourceDb), sameDatabase, MAPPINGS)).isEmpty();
        assertThat(DestinationValidator.withoutSourceTables(peer(sourceDb), peer(destinationDb), MAPPINGS))
                .isEqualTo(MAPPINGS);
        // Another table of the same database is a valid destination.
        DestinationValidator.validate("m", peer(sourceDb), sameDatabase,
                List.of(new TableMapping(SHAPE, new TableId("copy", "shape"), Set.of())));
        assertThat(query(sourceDb, "SELECT id || ' ' || v FROM shape")).containsExactly("1 one");
    }

    @Test
    void shouldRefuseSystemSchemasAndMirrorflowsOwnAsDestination() {
        for (String schema : List.of("_mirrorflow", "pg_catalog", "pg_toast", "information_schema", "pg_anything")) {
            assertThatThrownBy(() -> DestinationValidator.refuseReservedSchema(new TableId(schema, "checkpoints")))
                    .as(schema)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("destination table " + schema + ".checkpoints is in schema " + schema
                            + ", which ")
                    .hasMessageEndingWith("; map the table to another schema");
        }
        DestinationValidator.refuseReservedSchema(new TableId("pgx", "t"));
        DestinationValidator.refuseReservedSchema(new TableId("mirrorflow", "t"));
    }

    private void usersTableOfAnotherShape() throws SQLException {
        destinationDb.execute("CREATE TABLE shape (id text PRIMARY KEY, other int, extra jsonb)",
                "INSERT INTO shape VALUES ('x', 7, '{\"k\": 1}')");
    }

    private static PostgresPeer peer(ScratchDatabase db) {
        return ScratchPeers.of(db);
    }

    private static List<String> query(ScratchDatabase db, String sql) throws SQLException {
        List<String> result = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                result.add(r.getString(1));
            }
        }
        return result;
    }
}
