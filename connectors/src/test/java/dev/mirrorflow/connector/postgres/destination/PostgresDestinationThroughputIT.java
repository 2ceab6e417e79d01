package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Change.Kind;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sanity check, not a benchmark: 100k-row batches of each kind apply, in about a second each on
 * the dev environment (a round trip per row would take tens of seconds). It asserts the result,
 * not the time (the exact rows each batch leaves, against rows computed independently, and the
 * checkpoint it moved), and prints the rates so that a regression is visible; bench/ measures for real.
 */
class PostgresDestinationThroughputIT {

    private static final int ROWS = 100_000;
    private static final TableId SOURCE = new TableId("public", "events");
    private static final TableSchema SCHEMA = new TableSchema(SOURCE, List.of(
            new ColumnSchema("id", "bigint", false, 1),
            new ColumnSchema("name", "text", true, 0),
            new ColumnSchema("qty", "integer", true, 0),
            new ColumnSchema("price", "numeric(12,2)", true, 0),
            new ColumnSchema("payload", "jsonb", true, 0),
            new ColumnSchema("created_at", "timestamp with time zone", true, 0)));

    private ScratchDatabase database;
    private PostgresDestination destination;

    @BeforeEach
    void prepareDestination() {
        database = ScratchDatabase.create("dest_throughput");
        destination = new PostgresDestination(ScratchDataSource.of(database));
        destination.prepare("bench", List.of(new TableMapping(SOURCE, new TableId("public", "events"), Set.of())),
                List.of(SCHEMA));
    }

    @AfterEach
    void dropDestination() {
        destination.close();
        database.close();
    }

    @Test
    void shouldApplyHundredThousandRowBatchesOfEachKind() throws SQLException {
        applyTimed("inserts", 1, i -> row(Kind.INSERT, i, "name " + i, false));
        assertThat(contents()).as("after the inserts").isEqualTo(expected(
                "'name ' || g", "0", ROWS - 1));
        assertThat(destination.checkpoint("bench")).contains("0/1");

        applyTimed("updates (half with an unchanged TOAST column)", 2,
                i -> row(Kind.UPDATE, i, "renamed " + i, i % 2 == 0));
        // An update whose payload was unchanged keeps the inserted one; the others wrote the same
        // text again, so every payload is still the inserted one.
        assertThat(contents()).as("after the updates").isEqualTo(expected(
                "'renamed ' || g", "0", ROWS - 1));
        assertThat(destination.checkpoint("bench")).contains("0/2");

        applyTimed("deletes", 3, i -> new Change.Row(SCHEMA, Kind.DELETE,
                new Value[] {Value.text(Long.toString(i)), Value.NULL, Value.NULL, Value.NULL, Value.NULL, Value.NULL},
                null));
        assertThat(count()).as("after the deletes").isZero();
        assertThat(destination.checkpoint("bench")).contains("0/3");
    }

    @Test
    void shouldApplyAMixOfInsertsUpdatesAndDeletesOfOverlappingKeys() throws SQLException {
        // Each group of four changes inserts two keys, updates the first and deletes the second.
        applyTimed("mixed", 1, i -> switch (i % 4) {
            case 0 -> row(Kind.INSERT, i / 2, "name " + i, false);
            case 1 -> row(Kind.INSERT, i / 2 + 1, "name " + i, false);
            case 2 -> row(Kind.UPDATE, i / 2 - 1, "renamed " + i, true);
            default -> new Change.Row(SCHEMA, Kind.DELETE, new Value[] {
                    Value.text(Long.toString(i / 2)), Value.NULL, Value.NULL, Value.NULL, Value.NULL, Value.NULL},
                    null);
        });

        // Group k leaves key 2k, renamed by its third change (number 4k + 2 = 2 * key + 2), with
        // the payload of its insert; key 2k + 1 is gone.
        assertThat(count()).isEqualTo(ROWS / 4);
        assertThat(contents()).isEqualTo(expectedEvenKeys("'renamed ' || (2 * g + 2)", ROWS / 2 - 2));
        assertThat(destination.checkpoint("bench")).contains("0/1");
    }

    /** Row count and an ordered checksum of the destination table. */
    private String contents() throws SQLException {
        return query("SELECT count(*) || ':' || coalesce(md5(string_agg(e::text, ',' ORDER BY id)), '')"
                + " FROM public.events e");
    }

    /**
     * The same for the rows {@link #row} makes, computed by PostgreSQL from their definition rather
     * than read back through the destination: ids {@code first..last}, {@code name} as given in SQL
     * over the id {@code g}.
     */
    private String expected(String name, String first, int last) throws SQLException {
        return expectedOf("generate_series(" + first + ", " + last + ")", name);
    }

    private String expectedEvenKeys(String name, int lastKey) throws SQLException {
        return expectedOf("generate_series(0, " + lastKey + ", 2)", name);
    }

    private String expectedOf(String ids, String name) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE expected (LIKE public.events)");
            s.execute("INSERT INTO expected SELECT g, " + name + ", g % 1000, (g % 100000) + 0.25,"
                    + " jsonb_build_object('id', g, 'tags', jsonb_build_array('a', 'b'), 'note', E'tab\\there'),"
                    + " timestamptz '2024-02-29 08:15:56.123456+00' FROM " + ids + " g");
            try (ResultSet r = s.executeQuery("SELECT count(*) || ':' || coalesce(md5(string_agg(e::text, ','"
                    + " ORDER BY id)), '') FROM expected e")) {
                r.next();
                return r.getString(1);
            }
        }
    }

    private void applyTimed(String what, long batchId, IntFunction<Change> change) {
        List<Change> changes = new ArrayList<>(ROWS);
        for (int i = 0; i < ROWS; i++) {
            changes.add(change.apply(i));
        }
        ChangeBatch batch = new ChangeBatch(batchId, changes, "0/" + batchId);
        long started = System.nanoTime();
        destination.apply("bench", batch);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("PostgresDestination apply, %d %s in one batch: %.2f s, %.0f rows/s%n", ROWS, what, seconds,
                ROWS / seconds);
    }

    private static Change row(Kind kind, long id, String name, boolean payloadUnchanged) {
        return new Change.Row(SCHEMA, kind, new Value[] {
                Value.text(Long.toString(id)),
                Value.text(name),
                Value.text(Long.toString(id % 1000)),
                Value.text((id % 100_000) + ".25"),
                payloadUnchanged ? Value.UNCHANGED
                        : Value.text("{\"id\": " + id + ", \"tags\": [\"a\", \"b\"], \"note\": \"tab\\there\"}"),
                Value.text("2024-02-29 08:15:56.123456+00")}, null);
    }

    private long count() throws SQLException {
        return countWhere("true");
    }

    private long countWhere(String condition) throws SQLException {
        return Long.parseLong(query("SELECT count(*) FROM public.events WHERE " + condition));
    }

    private String query(String sql) throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }
}
