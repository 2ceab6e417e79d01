package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Change.Kind;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Creating, verifying and evolving destination tables, and the messages when they cannot be reconciled. */
class PostgresDestinationPrepareIT {

    private static final String MIRROR = "shop";
    private static final TableId SOURCE = new TableId("public", "orders");
    private static final TableId DESTINATION = new TableId("mirror", "orders");
    private static final List<ColumnSchema> COLUMNS = List.of(
            new ColumnSchema("region", "character varying(20)", false, 2),
            new ColumnSchema("id", "bigint", false, 1),
            new ColumnSchema("total", "numeric(12,2)", true, 0),
            new ColumnSchema("tags", "text[]", true, 0),
            new ColumnSchema("placed_at", "timestamp(3) with time zone", false, 0),
            new ColumnSchema("secret", "text", true, 0));
    private static final TableSchema SCHEMA = new TableSchema(SOURCE, COLUMNS);

    private ScratchDatabase database;
    private PostgresDestination destination;

    @BeforeEach
    void createDestination() {
        database = ScratchDatabase.create("dest_prepare");
        destination = new PostgresDestination(ScratchDataSource.of(database));
    }

    @AfterEach
    void dropDestination() {
        destination.close();
        database.close();
    }

    @Test
    void shouldCreateTheDestinationTableWithTheSourceTypesAndPrimaryKey() throws SQLException {
        prepare(SCHEMA, Set.of());

        assertThat(columns(DESTINATION)).containsExactly(
                "region character varying(20) key 2",
                "id bigint key 1",
                "total numeric(12,2)",
                "tags text[]",
                "placed_at timestamp(3) with time zone",
                "secret text");
        assertThat(query("SELECT count(*) FROM _mirrorflow.checkpoints")).containsExactly("0");
    }

    @Test
    void shouldReportNoCheckpointBeforeAnythingWasPreparedOrApplied() {
        assertThat(destination.checkpoint(MIRROR)).isEmpty();
        prepare(SCHEMA, Set.of());
        assertThat(destination.checkpoint(MIRROR)).isEmpty();
    }

    @Test
    void shouldChangeNothingWhenPreparedAgain() throws SQLException {
        prepare(SCHEMA, Set.of());
        destination.apply(MIRROR, batch(1, insert(SCHEMA, "eu", "1", "9.99", "{a}", "2024-01-01 00:00:00+00", "s")));
        List<String> before = columns(DESTINATION);

        prepare(SCHEMA, Set.of());

        assertThat(columns(DESTINATION)).isEqualTo(before);
        assertThat(rows()).containsExactly("(eu,1,9.99,{a},\"2024-01-01 00:00:00+00\",s)");
    }

    @Test
    void shouldNotCreateAnExcludedColumnAndIgnoreItsValues() throws SQLException {
        prepare(SCHEMA, Set.of("secret"));

        destination.apply(MIRROR, batch(1,
                insert(SCHEMA, "eu", "1", "9.99", "{a}", "2024-01-01 00:00:00+00", "top secret"),
                update(SCHEMA, "eu", "1", "10.00", "{a,b}", "2024-01-01 00:00:00+00", "still secret")));

        assertThat(columns(DESTINATION)).noneMatch(column -> column.startsWith("secret"));
        assertThat(rows()).containsExactly("(eu,1,10.00,\"{a,b}\",\"2024-01-01 00:00:00+00\")");
    }

    @Test
    void shouldAddAColumnTheSourceGainedAndKeepApplyingChangesOfBothShapes() throws SQLException {
        prepare(SCHEMA, Set.of());
        destination.apply(MIRROR, batch(1, insert(SCHEMA, "eu", "1", "1.00", "{}", "2024-01-01 00:00:00+00", "s")));
        TableSchema widened = widened();

        prepare(widened, Set.of());
        destination.apply(MIRROR, batch(2,
                insert(SCHEMA, "eu", "2", "2.00", "{}", "2024-01-01 00:00:00+00", "older shape"),
                insert(widened, "eu", "3", "3.00", "{}", "2024-01-01 00:00:00+00", "s", "note three"),
                update(widened, "eu", "1", "1.50", "{}", "2024-01-01 00:00:00+00", "s", "note one")));

        assertThat(columns(DESTINATION)).last().isEqualTo("note text");
        assertThat(rows()).containsExactly(
                "(eu,1,1.50,{},\"2024-01-01 00:00:00+00\",s,\"note one\")",
                "(eu,2,2.00,{},\"2024-01-01 00:00:00+00\",\"older shape\",)",
                "(eu,3,3.00,{},\"2024-01-01 00:00:00+00\",s,\"note three\")");
    }

    @Test
    void shouldAddAColumnWhenABatchBringsANewSourceShapeBeforePrepareDid() throws SQLException {
        prepare(SCHEMA, Set.of());
        destination.apply(MIRROR, batch(1, insert(SCHEMA, "eu", "1", "1.00", "{}", "2024-01-01 00:00:00+00", "s")));

        destination.apply(MIRROR, batch(2,
                update(SCHEMA, "eu", "1", "1.10", "{}", "2024-01-01 00:00:00+00", "s"),
                update(widened(), "eu", "1", "1.20", "{}", "2024-01-01 00:00:00+00", "s", "added in flight"),
                update(SCHEMA, "eu", "1", "1.30", "{}", "2024-01-01 00:00:00+00", "s")));

        assertThat(rows()).containsExactly("(eu,1,1.30,{},\"2024-01-01 00:00:00+00\",s,\"added in flight\")");
    }

    @Test
    void shouldKeepTheMirrorsOtherTablesWhenPreparedAgainForOneOfThem() throws SQLException {
        TableSchema other = new TableSchema(new TableId("public", "lines"), List.of(
                new ColumnSchema("id", "integer", false, 1), new ColumnSchema("sku", "text", true, 0)));
        TableMapping otherMapping = new TableMapping(other.id(), new TableId("mirror", "lines"), Set.of());
        destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, Set.of()), otherMapping),
                List.of(SCHEMA, other));

        prepare(widened(), Set.of());
        destination.apply(MIRROR, batch(1, insert(other, "1", "sku-1")));

        assertThat(query("SELECT id || ' ' || sku FROM mirror.lines")).containsExactly("1 sku-1");
    }

    @Test
    void shouldRejectAColumnWhoseTypeChangedWithAResyncMessage() {
        prepare(SCHEMA, Set.of());
        TableSchema changed = new TableSchema(SOURCE, COLUMNS.stream()
                .map(c -> c.name().equals("total") ? new ColumnSchema("total", "numeric(14,2)", true, 0) : c).toList());

        assertThatThrownBy(() -> prepare(changed, Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: column total of destination table mirror.orders is numeric(12,2) but the"
                        + " source's is numeric(14,2); resync the mirror to recreate the table");
    }

    @Test
    void shouldRejectAColumnWhoseTypeChangedWhenABatchBringsIt() throws SQLException {
        prepare(SCHEMA, Set.of());
        TableSchema changed = new TableSchema(SOURCE, COLUMNS.stream()
                .map(c -> c.name().equals("total") ? new ColumnSchema("total", "text", true, 0) : c).toList());

        assertThatThrownBy(() -> destination.apply(MIRROR,
                batch(1, insert(changed, "eu", "1", "lots", "{}", "2024-01-01 00:00:00+00", "s"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("column total of destination table mirror.orders is numeric(12,2) but the"
                        + " source's is text; resync the mirror");
        assertThat(rows()).isEmpty();
        assertThat(destination.checkpoint(MIRROR)).isEmpty();

        destination.apply(MIRROR, batch(1, insert(SCHEMA, "eu", "1", "1.00", "{}", "2024-01-01 00:00:00+00", "s")));
        assertThat(rows()).containsExactly("(eu,1,1.00,{},\"2024-01-01 00:00:00+00\",s)");
    }

    @Test
    void shouldKeepAndReportAColumnDroppedAtTheSource() throws SQLException {
        prepare(SCHEMA, Set.of());
        destination.apply(MIRROR, batch(1, insert(SCHEMA, "eu", "1", "9.99", "{a}", "2024-01-01 00:00:00+00", "s")));
        TableSchema dropped = new TableSchema(SOURCE, COLUMNS.stream().filter(c -> !c.name().equals("tags")).toList());

        List<SchemaChange> kept = destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, Set.of())),
                List.of(dropped));

        assertThat(kept).containsExactly(new SchemaChange(SOURCE, SchemaChange.Kind.COLUMN_DROPPED, "tags", null, null));
        destination.apply(MIRROR, batch(2, insert(dropped, "eu", "2", "1.00", "2024-01-02 00:00:00+00", "t"),
                update(dropped, "eu", "1", "10.00", "2024-01-01 00:00:00+00", "s")));
        assertThat(rows()).containsExactly("(eu,1,10.00,{a},\"2024-01-01 00:00:00+00\",s)",
                "(eu,2,1.00,,\"2024-01-02 00:00:00+00\",t)");
    }

    @Test
    void shouldRejectADestinationColumnThatTheMirrorExcludes() {
        prepare(SCHEMA, Set.of());

        assertThatThrownBy(() -> prepare(SCHEMA, Set.of("secret")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: destination table mirror.orders has column(s) secret that the mirror excludes"
                        + " from source table public.orders; resync the mirror to recreate the table");
    }

    @Test
    void shouldRejectAChangedPrimaryKey() {
        prepare(SCHEMA, Set.of());
        TableSchema rekeyed = new TableSchema(SOURCE, COLUMNS.stream()
                .map(c -> c.name().equals("region") ? new ColumnSchema("region", c.type(), false, 0) : c).toList());

        assertThatThrownBy(() -> prepare(rekeyed, Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: destination table mirror.orders has primary key (id, region) but source table"
                        + " public.orders has (id); resync the mirror to recreate the table");
    }

    @Test
    void shouldRefuseATableWithoutAPrimaryKey() {
        TableSchema keyless = new TableSchema(SOURCE, List.of(new ColumnSchema("a", "integer", true, 0)));

        assertThatThrownBy(() -> prepare(keyless, Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: source table public.orders has no primary key; add one"
                        + " (mirrorflow applies changes by primary key)");
    }

    @Test
    void shouldRefuseToExcludeAKeyColumn() {
        assertThatThrownBy(() -> prepare(SCHEMA, Set.of("region")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: column region of source table public.orders is part of its primary key and"
                        + " cannot be excluded; remove it from the exclusions");
    }

    @Test
    void shouldLeaveNothingBehindWhenPrepareFails() throws SQLException {
        TableSchema keyless = new TableSchema(new TableId("public", "keyless"),
                List.of(new ColumnSchema("a", "integer", true, 0)));

        assertThatThrownBy(() -> destination.prepare(MIRROR, List.of(
                new TableMapping(SOURCE, DESTINATION, Set.of()),
                new TableMapping(keyless.id(), new TableId("mirror", "keyless"), Set.of())), List.of(SCHEMA, keyless)))
                .isInstanceOf(IllegalStateException.class);

        assertThat(query("SELECT count(*) FROM pg_namespace WHERE nspname IN ('mirror', '_mirrorflow')"))
                .containsExactly("0");
    }

    @Test
    void shouldCreateEnumTypesFromTheSourceLabelsAndAddLabelsTheSourceGained() throws SQLException {
        TableSchema withEnum = withColumns(
                new ColumnSchema("mood", "shop.mood", true, 0, List.of("sad", "happy")),
                new ColumnSchema("moods", "shop.mood[]", true, 0, List.of("sad", "happy")));
        prepare(withEnum, Set.of());
        assertThat(labels("shop.mood")).containsExactly("sad", "happy");

        TableSchema moreLabels = withColumns(
                new ColumnSchema("mood", "shop.mood", true, 0, List.of("angry", "sad", "ok", "happy", "it's \\ \"x\"")),
                new ColumnSchema("moods", "shop.mood[]", true, 0, List.of("angry", "sad", "ok", "happy", "it's \\ \"x\"")));
        destination.apply(MIRROR, batch(1, insert(moreLabels, "1", "ok", "{angry,\"it's \\\\ \\\"x\\\"\"}")));

        assertThat(labels("shop.mood")).containsExactly("angry", "sad", "ok", "happy", "it's \\ \"x\"");
        assertThat(query("SELECT mood || ' ' || moods::text FROM mirror.orders"))
                .containsExactly("ok {angry,\"it's \\\\ \\\"x\\\"\"}");
    }

    @Test
    void shouldAcceptAnEnumTheSourceNamesQualifiedAndTheDestinationDoesNot() throws SQLException {
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')");
        }
        prepare(withColumns(new ColumnSchema("mood", "mood", true, 0, List.of("sad", "happy"))), Set.of());

        prepare(withColumns(new ColumnSchema("mood", "public.mood", true, 0, List.of("sad", "happy"))), Set.of());

        assertThat(columns(DESTINATION)).contains("mood mood");
    }

    @Test
    void shouldRefuseAUserTypeThatIsMissingAtTheDestination() {
        TableSchema withDomain = withColumns(new ColumnSchema("amount", "public.positive_amount", true, 0));

        assertThatThrownBy(() -> prepare(withDomain, Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop: type public.positive_amount of column amount of source table public.orders"
                        + " does not exist at the destination; create it there (mirrorflow creates enum types only)");
    }

    @Test
    void shouldRefuseTwoSourceTablesMappedToOneDestinationTable() {
        TableSchema other = new TableSchema(new TableId("public", "other"), COLUMNS);

        assertThatThrownBy(() -> destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, Set.of()),
                new TableMapping(other.id(), DESTINATION, Set.of())), List.of(SCHEMA, other)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("mirror shop maps two source tables to destination table mirror.orders;"
                        + " give each its own destination table");
    }

    private void prepare(TableSchema schema, Set<String> excluded) {
        destination.prepare(MIRROR, List.of(new TableMapping(SOURCE, DESTINATION, excluded)), List.of(schema));
    }

    private static TableSchema widened() {
        List<ColumnSchema> columns = new ArrayList<>(COLUMNS);
        columns.add(new ColumnSchema("note", "text", true, 0));
        return new TableSchema(SOURCE, columns);
    }

    private static TableSchema withColumns(ColumnSchema... extra) {
        List<ColumnSchema> columns = new ArrayList<>(List.of(new ColumnSchema("id", "integer", false, 1)));
        columns.addAll(List.of(extra));
        return new TableSchema(SOURCE, columns);
    }

    private static ChangeBatch batch(long batchId, Change... changes) {
        return new ChangeBatch(batchId, List.of(changes), "0/" + batchId);
    }

    private static Change insert(TableSchema schema, String... texts) {
        return new Change.Row(schema, Kind.INSERT, values(texts), null);
    }

    private static Change update(TableSchema schema, String... texts) {
        return new Change.Row(schema, Kind.UPDATE, values(texts), null);
    }

    private static Value[] values(String... texts) {
        return Arrays.stream(texts).map(t -> t == null ? Value.NULL : Value.text(t)).toArray(Value[]::new);
    }

    private List<String> columns(TableId table) throws SQLException {
        return query("""
                SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || coalesce(' key ' || (SELECT u.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY u(attnum, ord)
                                               WHERE i.indrelid = a.attrelid AND i.indisprimary AND u.attnum = a.attnum), '')
                FROM pg_attribute a WHERE a.attrelid = '%s'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum""".formatted(table.quoted()));
    }

    private List<String> labels(String type) throws SQLException {
        return query("SELECT enumlabel FROM pg_enum WHERE enumtypid = '" + type + "'::regtype ORDER BY enumsortorder");
    }

    private List<String> rows() throws SQLException {
        try (Connection c = database.connect()) {
            return SourceTables.rowTexts(c, DESTINATION, "id");
        }
    }

    private List<String> query(String sql) throws SQLException {
        List<String> result = new ArrayList<>();
        try (Connection c = database.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                result.add(r.getString(1));
            }
        }
        return result;
    }
}
