package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Change.Kind;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.Destination.ApplyResult;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How batches land: collapsing per key, key changes, truncates, unchanged TOAST, replays, atomicity. */
class PostgresDestinationApplyIT {

    private static final String MIRROR = "orders";
    private static final TableId SOURCE = new TableId("public", "items");
    private static final TableId DESTINATION = new TableId("mirror", "items");
    private static final TableSchema SCHEMA = new TableSchema(SOURCE, List.of(
            new ColumnSchema("id", "integer", false, 1),
            new ColumnSchema("name", "text", true, 0),
            new ColumnSchema("qty", "integer", true, 0),
            new ColumnSchema("body", "text", true, 0)));

    private ScratchDatabase database;
    private PostgresDestination destination;

    @BeforeEach
    void prepareDestination() {
        database = ScratchDatabase.create("dest_apply");
        destination = new PostgresDestination(ScratchDataSource.of(database));
        destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, Set.of())), List.of(SCHEMA));
    }

    @AfterEach
    void dropDestination() {
        destination.close();
        database.close();
    }

    @Test
    void shouldApplyOneBatchHoldingChangesMadeBeforeAndAfterTheSourceEnumGainedALabel() throws SQLException {
        // ALTER TYPE ... ADD VALUE between two transactions of one batch: the older changes carry
        // the type's labels of before, the newer ones the labels of after.
        TableId source = new TableId("public", "moods");
        TableId target = new TableId("mirror", "moods");
        TableSchema before = new TableSchema(source, List.of(new ColumnSchema("id", "integer", false, 1),
                new ColumnSchema("mood", "public.mood", true, 0, List.of("sad", "happy"))));
        TableSchema after = new TableSchema(source, List.of(new ColumnSchema("id", "integer", false, 1),
                new ColumnSchema("mood", "public.mood", true, 0, List.of("sad", "happy", "content"))));
        List<TableMapping> mappings = List.of(new TableMapping(source, target, Set.of()));
        destination.prepare(MIRROR, mappings, List.of(before));

        destination.apply(MIRROR, new ChangeBatch(1, List.of(
                new Change.Row(before, Kind.INSERT, values("1", "sad"), null),
                new Change.Row(after, Kind.INSERT, values("2", "content"), null),
                new Change.Row(before, Kind.INSERT, values("3", "happy"), null)), "0/1"));

        try (Connection c = database.connect()) {
            assertThat(SourceTables.rowTexts(c, target, "id")).containsExactly("(1,sad)", "(2,content)", "(3,happy)");
        }
    }

    @Test
    void shouldKeepTheLastChangePerKeyWithinABatch() throws SQLException {
        apply(1, insert(1, "a", 1, "x"), update(1, "b", 2, "y"), insert(2, "c", 3, "z"), update(1, "d", 4, "w"),
                update(2, "e", 5, "v"));

        assertThat(rows()).containsExactly("(1,d,4,w)", "(2,e,5,v)");
    }

    @Test
    void shouldEndDeletedWhenARowIsInsertedUpdatedAndDeletedInOneBatch() throws SQLException {
        apply(1, insert(1, "a", 1, "x"), insert(2, "keep", 1, "x"));

        apply(2, insert(3, "a", 1, "x"), update(3, "b", 2, "y"), delete(3), update(1, "b", 2, "y"), delete(1));

        assertThat(rows()).containsExactly("(2,keep,1,x)");
    }

    @Test
    void shouldEndInsertedWhenARowIsDeletedAndInsertedAgainInOneBatch() throws SQLException {
        apply(1, insert(1, "old", 1, "old body"));

        apply(2, delete(1), insert(1, "new", null, "new body"));

        assertThat(rows()).containsExactly("(1,new,,\"new body\")");
    }

    @Test
    void shouldDeleteTheOldKeyAndUpsertTheNewWhenAnUpdateChangesTheKey() throws SQLException {
        apply(1, insert(1, "a", 1, "x"), insert(5, "other", 1, "x"));

        apply(2, updateKey(1, 2, "moved", 7, "y"), updateKey(5, 6, "again", 8, "z"), updateKey(6, 7, "twice", 9, "w"));

        assertThat(rows()).containsExactly("(2,moved,7,y)", "(7,twice,9,w)");
    }

    @Test
    void shouldKeepTheOldRowsUnchangedToastValueWhenAnUpdateChangesTheKey() throws SQLException {
        apply(1, insert(1, "a", 1, "big toasted body"));

        apply(2, updateKey(1, 2, "moved", 7, null));

        assertThat(rows()).containsExactly("(2,moved,7,\"big toasted body\")");
    }

    @Test
    void shouldApplyATruncateAtItsPlaceInTheBatch() throws SQLException {
        apply(1, insert(1, "a", 1, "x"), insert(2, "b", 2, "y"));

        apply(2, insert(3, "before", 1, "x"), update(1, "before", 1, "x"), truncate(), insert(4, "after", 1, "x"),
                update(4, "after again", 2, "y"));

        assertThat(rows()).containsExactly("(4,\"after again\",2,y)");
    }

    @Test
    void shouldTruncateWhenTheBatchEndsWithATruncate() throws SQLException {
        apply(1, insert(1, "a", 1, "x"));

        apply(2, insert(2, "b", 1, "x"), truncate());

        assertThat(rows()).isEmpty();
    }

    @Test
    void shouldKeepDestinationValueForUnchangedToastColumn() throws SQLException {
        apply(1, insert(1, "a", 1, "big toasted body"), insert(2, "b", 1, "other body"));

        apply(2, update(1, "renamed", 2, null));

        assertThat(rows()).containsExactly("(1,renamed,2,\"big toasted body\")", "(2,b,1,\"other body\")");
    }

    @Test
    void shouldNotInventARowFromAnUpdateWhoseUnchangedValueItDoesNotHave() throws SQLException {
        // A stream replaying changes a load read at a later snapshot: the row was updated, then
        // deleted, before that snapshot, and the update and the delete land in different batches.
        apply(1, insert(1, "a", 1, "kept body"));

        apply(2, update(5, "ghost", 1, null), update(1, "b", 2, null));
        assertThat(rows()).containsExactly("(1,b,2,\"kept body\")");

        apply(3, delete(5));
        assertThat(rows()).containsExactly("(1,b,2,\"kept body\")");
    }

    @Test
    void shouldTakeUnchangedToastValueFromAnEarlierChangeOfTheSameKeyInTheBatch() throws SQLException {
        apply(1, insert(1, "a", 1, "old body"));

        apply(2, update(1, "b", 2, "new body"), update(1, "c", 3, null), insert(2, "x", 1, "inserted body"),
                update(2, "y", 2, null));

        assertThat(rows()).containsExactly("(1,c,3,\"new body\")", "(2,y,2,\"inserted body\")");
    }

    @Test
    void shouldKeepNullAndEmptyStringApart() throws SQLException {
        apply(1, insert(1, "", null, null), insert(2, null, 0, ""));

        try (Connection c = database.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT name IS NULL, name, body IS NULL, body FROM mirror.items ORDER BY id")) {
            r.next();
            assertThat(List.of(r.getBoolean(1), r.getString(2), r.getBoolean(3))).containsExactly(false, "", true);
            r.next();
            assertThat(List.of(r.getBoolean(1), r.getBoolean(3), r.getString(4))).containsExactly(true, false, "");
        }
    }

    @Test
    void shouldLeaveTheSameRowsWhenABatchIsReplayed() throws SQLException {
        apply(1, insert(1, "a", 1, "x"), insert(2, "b", 2, "y"), insert(3, "c", 3, "z"));
        ChangeBatch batch = batch(2, insert(4, "d", 4, "w"), update(1, "a2", 5, null), delete(2),
                updateKey(3, 30, "c2", 6, null), truncateOf(List.of()));
        destination.apply(MIRROR, batch);
        List<String> once = rows();

        destination.apply(MIRROR, batch);

        assertThat(rows()).containsExactlyElementsOf(once)
                .containsExactly("(1,a2,5,x)", "(4,d,4,w)", "(30,c2,6,z)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/2");
    }

    @Test
    void shouldOverwriteRowsTheDestinationAlreadyHasWhenTheBatchInsertsThem() throws SQLException {
        // As after a load that overlapped the stream: inserts of rows the table has already.
        apply(1, insert(1, "loaded", 1, "x"), insert(2, "loaded", 2, "y"));

        apply(2, insert(3, "new", 3, "z"), insert(1, "streamed", 10, "w"), update(1, "streamed again", 11, null));
        assertThat(rows()).containsExactly("(1,\"streamed again\",11,w)", "(2,loaded,2,y)", "(3,new,3,z)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/2");

        // Later batches insert as usual, whether they try the direct way again or not yet.
        for (int batch = 3; batch <= 6; batch++) {
            apply(batch, insert(batch + 1, "later", batch, "v"));
        }
        apply(7, insert(2, "streamed", 20, "u"), insert(9, "last", 9, "t"));
        assertThat(rows()).containsExactly("(1,\"streamed again\",11,w)", "(2,streamed,20,u)", "(3,new,3,z)",
                "(4,later,3,v)", "(5,later,4,v)", "(6,later,5,v)", "(7,later,6,v)", "(9,last,9,t)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/7");
    }

    @Test
    void shouldFailTheBatchWhenAnInsertedRowBreaksAnotherUniqueIndexOfTheDestination() throws SQLException {
        apply(1, insert(1, "a", 1, "x"));
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE UNIQUE INDEX items_name ON mirror.items (name)");
        }

        assertThatThrownBy(() -> apply(2, insert(2, "b", 2, "y"), insert(3, "a", 3, "z")))
                .isInstanceOf(DestinationException.class)
                .hasMessageContaining("mirror orders, batch 2")
                .hasMessageContaining("duplicate key value violates unique constraint \"items_name\"")
                .hasMessageNotContaining("\n");

        assertThat(rows()).containsExactly("(1,a,1,x)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/1");
    }

    @Test
    void shouldApplyInterleavedChangesOfTwoTablesBatchAfterBatchAcrossRollbacksAndANewShape() throws SQLException {
        // Each table's staging table outlives a batch: these batches reuse it, after a batch
        // rolled back for rows the table had already, after a failed batch (a new session), and
        // after the source added a column (a new shape, so a new staging table).
        TableId otherSource = new TableId("public", "notes");
        TableId otherDestination = new TableId("mirror", "notes");
        TableSchema notes = new TableSchema(otherSource, List.of(new ColumnSchema("id", "integer", false, 1),
                new ColumnSchema("note", "text", true, 0)));
        TableSchema notesWithTag = new TableSchema(otherSource, List.of(new ColumnSchema("id", "integer", false, 1),
                new ColumnSchema("note", "text", true, 0), new ColumnSchema("tag", "text", true, 0)));
        destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, Set.of()),
                new TableMapping(otherSource, otherDestination, Set.of())), List.of(SCHEMA, notes));

        apply(1, insert(1, "a", 1, "x"), note(notes, Kind.INSERT, "1", "n1"), insert(2, "b", 2, "y"),
                note(notes, Kind.INSERT, "2", "n2"), update(1, "a2", 3, null), note(notes, Kind.UPDATE, "1", "n1b"));
        apply(2, note(notes, Kind.UPDATE, "2", "n2b"), updateKey(2, 20, "b2", 4, null), note(notes, Kind.DELETE, "1", null),
                insert(3, "c", 5, "z"), note(notes, Kind.INSERT, "1", "n1 again"), delete(1), note(notes, Kind.UPDATE, "1", "n1c"));
        // A replay of inserts the tables have: rolled back and applied again through the MERGE.
        apply(3, insert(3, "c replayed", 6, "z2"), note(notes, Kind.INSERT, "2", "n2 replayed"), insert(4, "d", 7, "w"));
        assertThat(rows()).containsExactly("(3,\"c replayed\",6,z2)", "(4,d,7,w)", "(20,b2,4,y)");
        assertThat(notes(otherDestination)).containsExactly("(1,n1c)", "(2,\"n2 replayed\")");

        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE mirror.notes ADD CONSTRAINT short_notes CHECK (length(note) < 20)");
        }
        assertThatThrownBy(() -> apply(4, note(notes, Kind.UPDATE, "1", "a note far too long to keep"), delete(3)))
                .isInstanceOf(DestinationException.class);
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE mirror.notes DROP CONSTRAINT short_notes");
        }

        apply(4, note(notes, Kind.UPDATE, "1", "n1d"), delete(3), note(notesWithTag, Kind.INSERT, "3", "n3", "t3"),
                updateKey(20, 21, "b3", 8, null), note(notesWithTag, Kind.UPDATE, "2", "n2c", "t2"));
        apply(5, note(notesWithTag, Kind.DELETE, "1", null, null), note(notesWithTag, Kind.UPDATE, "3", "n3b", "t3b"),
                update(4, "d2", 9, null));

        assertThat(rows()).containsExactly("(4,d2,9,w)", "(21,b3,8,y)");
        assertThat(notes(otherDestination)).containsExactly("(2,n2c,t2)", "(3,n3b,t3b)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/5");
    }

    private static Change note(TableSchema schema, Kind kind, String... values) {
        return new Change.Row(schema, kind, values(values), null);
    }

    private List<String> notes(TableId table) throws SQLException {
        try (Connection c = database.connect()) {
            return SourceTables.rowTexts(c, table, "id");
        }
    }

    @Test
    void shouldStoreTheCheckpointInTheSameTransactionAsTheRows() throws SQLException {
        assertThat(destination.checkpoint(MIRROR)).isEmpty();
        apply(1, insert(1, "a", 1, "x"));
        assertThat(destination.checkpoint(MIRROR)).contains("0/1");

        ChangeBatch broken = new ChangeBatch(2, List.of(insert(2, "fine", 2, "y"), update(1, "changed", 9, "z"),
                new Change.Row(SCHEMA, Kind.INSERT, values("3", "bad", "not a number", "w"), null)), "0/2");

        assertThatThrownBy(() -> destination.apply(MIRROR, broken))
                .isInstanceOf(DestinationException.class)
                .hasMessageContaining("mirror orders, batch 2")
                .hasMessageContaining("mirror.items")
                .hasMessageContaining("invalid input syntax for type integer")
                .hasMessageNotContaining("\n");
        assertThat(rows()).containsExactly("(1,a,1,x)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/1");
        assertThat(checkpointBatchId()).isEqualTo(1);

        apply(3, insert(2, "fine", 2, "y"));
        assertThat(rows()).containsExactly("(1,a,1,x)", "(2,fine,2,y)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/3");
    }

    @Test
    void shouldKeepRowsAndCheckpointWhenANotNullConstraintAtTheDestinationFailsTheBatch() throws SQLException {
        apply(1, insert(1, "a", 1, "x"));
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE mirror.items ALTER COLUMN name SET NOT NULL");
        }

        assertThatThrownBy(() -> apply(2, insert(2, "b", 2, "y"), insert(3, null, 3, "z")))
                .isInstanceOf(DestinationException.class)
                .hasMessageContaining("violates not-null constraint");

        assertThat(rows()).containsExactly("(1,a,1,x)");
        assertThat(destination.checkpoint(MIRROR)).contains("0/1");
    }

    @Test
    void shouldAdvanceTheCheckpointForABatchWithoutChanges() {
        destination.apply(MIRROR, batch(1));

        assertThat(destination.checkpoint(MIRROR)).contains("0/1");
    }

    @Test
    void shouldReportTheRowChangesAndTheirTextLength() {
        ApplyResult result = destination.apply(MIRROR, batch(1, insert(1, "ab", 10, "cde"), update(1, "f", null, null)));

        assertThat(result).isEqualTo(new ApplyResult(2, 1 + 2 + 2 + 3 + 1 + 1));
    }

    @Test
    void shouldApplyTheSameBatchToOtherMirrorsCheckpointsIndependently() {
        destination.prepare("second", List.of(new TableMapping(SOURCE, new TableId("mirror", "items_two"), Set.of())),
                List.of(SCHEMA));

        destination.apply(MIRROR, batch(5, insert(1, "a", 1, "x")));
        destination.apply("second", batch(9, insert(1, "a", 1, "x")));

        assertThat(destination.checkpoint(MIRROR)).contains("0/5");
        assertThat(destination.checkpoint("second")).contains("0/9");
    }

    @Test
    void shouldRefuseAChangeToATableTheMirrorDoesNotMap() {
        TableSchema other = new TableSchema(new TableId("public", "other"), SCHEMA.columns());

        assertThatThrownBy(() -> destination.apply(MIRROR, batch(1,
                new Change.Row(other, Kind.INSERT, values("1", "a", "1", "x"), null))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror orders, batch 1 has a change to public.other, which the mirror does not map;"
                        + " prepare the destination with that table first");
    }

    @Test
    void shouldRefuseToApplyBeforePrepare() {
        assertThatThrownBy(() -> destination.apply("unprepared", batch(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror unprepared: prepare the destination before applying batches");
    }

    private void apply(long batchId, Change... changes) {
        destination.apply(MIRROR, batch(batchId, changes));
    }

    private static ChangeBatch batch(long batchId, Change... changes) {
        return new ChangeBatch(batchId, List.of(changes), "0/" + Long.toHexString(batchId).toUpperCase());
    }

    private List<String> rows() throws SQLException {
        try (Connection c = database.connect()) {
            return SourceTables.rowTexts(c, DESTINATION, "id");
        }
    }

    private long checkpointBatchId() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT batch_id FROM _mirrorflow.checkpoints WHERE mirror = 'orders'")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** Values as text; a null string is SQL NULL. */
    private static Value[] values(String... texts) {
        List<Value> values = new ArrayList<>();
        for (String text : texts) {
            values.add(text == null ? Value.NULL : Value.text(text));
        }
        return values.toArray(Value[]::new);
    }

    private static Value[] row(int id, String name, Integer qty, String body) {
        return values(String.valueOf(id), name, qty == null ? null : qty.toString(), body);
    }

    private static Change insert(int id, String name, Integer qty, String body) {
        return new Change.Row(SCHEMA, Kind.INSERT, row(id, name, qty, body), null);
    }

    /** An update; a null body is an unchanged TOAST value. */
    private static Change update(int id, String name, Integer qty, String body) {
        Value[] values = row(id, name, qty, body);
        if (body == null) {
            values[3] = Value.UNCHANGED;
        }
        return new Change.Row(SCHEMA, Kind.UPDATE, values, null);
    }

    /** An update that changed the key; a null body is an unchanged TOAST value. */
    private static Change updateKey(int oldId, int id, String name, Integer qty, String body) {
        Change.Row update = (Change.Row) update(id, name, qty, body);
        // The old row as pgoutput sends it under the default replica identity: the key only.
        return new Change.Row(SCHEMA, Kind.UPDATE, update.values(), values(String.valueOf(oldId), null, null, null));
    }

    /** A delete as pgoutput sends it under the default replica identity: the key only. */
    private static Change delete(int id) {
        return new Change.Row(SCHEMA, Kind.DELETE, values(String.valueOf(id), null, null, null), null);
    }

    private static Change truncate() {
        return truncateOf(List.of(SOURCE));
    }

    private static Change truncateOf(List<TableId> tables) {
        return new Change.Truncate(tables);
    }
}
