package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Change.Kind;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CollapsedBatchTest {

    private static final TableId SOURCE = new TableId("public", "items");
    private static final TableSchema SCHEMA = new TableSchema(SOURCE, List.of(
            new ColumnSchema("id", "integer", false, 1),
            new ColumnSchema("name", "text", true, 0),
            new ColumnSchema("body", "text", true, 0)));
    private static final DestinationTable DESTINATION = new DestinationTable(new TableId("copy", "items"), List.of(
            new DestinationColumn("id", "integer", 1),
            new DestinationColumn("name", "text", 0),
            new DestinationColumn("body", "text", 0)));

    private final MirroredTable table = new MirroredTable(
            new TableMapping(SOURCE, DESTINATION.id(), Set.of()), DESTINATION, SCHEMA.columns());

    @Test
    void shouldKeepOnlyTheLastChangePerKey() {
        Map<String, String> rows = collapse(
                insert("1", "a", "x"), update("1", "b", "y"), insert("2", "c", "z"), update("1", "d", "w"));

        assertThat(rows).containsOnly(Map.entry("1", "insert 1|d|w"), Map.entry("2", "insert 2|c|z"));
    }

    @Test
    void shouldMarkRowsTheBatchInsertedUnderUntouchedKeysAsFresh() {
        assertThat(collapse(insert("1", "a", "x"), update("1", "b", null), insert("2", "c", "z"),
                update("3", "d", "w"), delete("4"), insert("4", "e", "v"), updateKey("5", "6", "f", "u")))
                .containsOnly(Map.entry("1", "insert 1|b|x"), Map.entry("2", "insert 2|c|z"),
                        Map.entry("3", "upsert 3|d|w"), Map.entry("4", "upsert 4|e|v"), Map.entry("5", "delete 5"),
                        Map.entry("6", "upsert 6|f|u"));
    }

    @Test
    void shouldEndAsDeletedWhenInsertedUpdatedAndDeletedInOneBatch() {
        assertThat(collapse(insert("1", "a", "x"), update("1", "b", "y"), delete("1")))
                .containsOnly(Map.entry("1", "delete 1"));
    }

    @Test
    void shouldEndAsInsertedWhenDeletedAndInsertedAgain() {
        assertThat(collapse(delete("1"), insert("1", "new", "row")))
                .containsOnly(Map.entry("1", "upsert 1|new|row"));
    }

    @Test
    void shouldTakeUnchangedValueFromAnEarlierChangeOfTheSameKey() {
        assertThat(collapse(insert("1", "a", "big"), update("1", "b", null)))
                .containsOnly(Map.entry("1", "insert 1|b|big"));
    }

    @Test
    void shouldLeaveUnchangedValueForTheDestinationWhenTheBatchHasNoEarlierValue() {
        assertThat(collapse(update("1", "b", null), update("1", "c", null)))
                .containsOnly(Map.entry("1", "upsert 1|c|<unchanged>"));
    }

    @Test
    void shouldDeleteTheOldKeyAndUpsertTheNewOneWhenAnUpdateChangesTheKey() {
        assertThat(collapse(updateKey("1", "2", "a", "x")))
                .containsOnly(Map.entry("1", "delete 1"), Map.entry("2", "upsert 2|a|x"));
    }

    @Test
    void shouldTakeUnchangedValuesFromTheOldKeysDestinationRowWhenTheKeyChanges() {
        Map<String, String> rows = collapse(updateKey("1", "2", "a", null), updateKey("2", "3", "b", null));

        assertThat(rows).containsOnly(Map.entry("1", "delete 1"), Map.entry("2", "delete 2"),
                Map.entry("3", "upsert 3|b|<unchanged> from [1]"));
    }

    @Test
    void shouldTakeUnchangedValuesFromTheBatchWhenTheOldKeyWasChangedInIt() {
        assertThat(collapse(insert("1", "a", "big"), updateKey("1", "2", "b", null)))
                .containsOnly(Map.entry("1", "delete 1"), Map.entry("2", "upsert 2|b|big"));
    }

    @Test
    void shouldDiscardEarlierChangesOfATruncatedTableAndKeepLaterOnes() {
        CollapsedBatch batch = collapseBatch(insert("1", "a", "x"), new Change.Truncate(List.of(SOURCE)),
                insert("2", "b", "y"));

        TableChanges changes = batch.tables().iterator().next();
        assertThat(changes.truncated()).isTrue();
        assertThat(describe(changes)).containsOnly(Map.entry("2", "insert 2|b|y"));
    }

    @Test
    void shouldCountEveryRowChangeAndTheLengthOfItsTexts() {
        CollapsedBatch batch = collapseBatch(insert("1", "ab", "cde"), update("1", "f", null), delete("1"));

        assertThat(batch.rows()).isEqualTo(3);
        assertThat(batch.bytes()).isEqualTo(1 + 2 + 3 + 1 + 1 + 1);
    }

    @Test
    void shouldIgnoreExcludedColumnsAndFillColumnsAnOlderShapeLacks() {
        TableSchema older = new TableSchema(SOURCE, List.of(
                new ColumnSchema("id", "integer", false, 1),
                new ColumnSchema("secret", "text", true, 0),
                new ColumnSchema("name", "text", true, 0)));
        MirroredTable excluding = new MirroredTable(new TableMapping(SOURCE, DESTINATION.id(), Set.of("secret")),
                DESTINATION, SCHEMA.columns());
        ChangeBatch batch = new ChangeBatch(1, List.of(
                new Change.Row(older, Kind.INSERT, values("1", "hidden", "a"), null),
                new Change.Row(older, Kind.UPDATE, values("2", "hidden", "b"), null)), "0/1");

        CollapsedBatch collapsed = CollapsedBatch.collapse(batch, tables(excluding));

        assertThat(describe(collapsed.tables().iterator().next()))
                .containsOnly(Map.entry("1", "insert 1|a|<null>"), Map.entry("2", "upsert 2|b|<unchanged>"));
    }

    @Test
    void shouldRefuseAChangeWithoutItsKey() {
        Change.Row row = new Change.Row(SCHEMA, Kind.DELETE, new Value[] {Value.NULL, Value.NULL, Value.NULL}, null);

        assertThatThrownBy(() -> collapseBatch(row))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no value for a key column");
    }

    private Map<String, String> collapse(Change... changes) {
        return describe(collapseBatch(changes).tables().iterator().next());
    }

    private CollapsedBatch collapseBatch(Change... changes) {
        return CollapsedBatch.collapse(new ChangeBatch(1, List.of(changes), "0/1"), tables(table));
    }

    private static CollapsedBatch.Tables tables(MirroredTable table) {
        return new CollapsedBatch.Tables() {
            @Override
            public MirroredTable forSource(TableId source) {
                return table;
            }

            @Override
            public RowLayout layoutFor(TableSchema schema) {
                return table.layoutFor(schema);
            }
        };
    }

    private static Map<String, String> describe(TableChanges changes) {
        return changes.rows().stream().collect(Collectors.toMap(
                row -> ((Value.Text) row.values()[0]).text(),
                row -> row.delete() ? "delete " + ((Value.Text) row.values()[0]).text()
                        : (row.fresh() ? "insert " : "upsert ") + Arrays.stream(row.values()).map(CollapsedBatchTest::show)
                                .collect(Collectors.joining("|"))
                                + (row.baseKey() == null ? "" : " from " + row.baseKey())));
    }

    private static String show(Value value) {
        return value instanceof Value.Text text ? text.text() : value instanceof Value.Unchanged ? "<unchanged>" : "<null>";
    }

    private static Value[] values(String... texts) {
        List<Value> values = new ArrayList<>();
        for (String text : texts) {
            values.add(text == null ? Value.UNCHANGED : Value.text(text));
        }
        return values.toArray(Value[]::new);
    }

    private static Change insert(String id, String name, String body) {
        return new Change.Row(SCHEMA, Kind.INSERT, values(id, name, body), null);
    }

    /** An update; a null body is an unchanged TOAST value. */
    private static Change update(String id, String name, String body) {
        return new Change.Row(SCHEMA, Kind.UPDATE, values(id, name, body), null);
    }

    private static Change updateKey(String oldId, String id, String name, String body) {
        return new Change.Row(SCHEMA, Kind.UPDATE, values(id, name, body),
                new Value[] {Value.text(oldId), Value.NULL, Value.NULL});
    }

    private static Change delete(String id) {
        return new Change.Row(SCHEMA, Kind.DELETE, new Value[] {Value.text(id), Value.NULL, Value.NULL}, null);
    }
}
