package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.Change.Kind;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
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
 * Rows of every supported type go from a real source table, read as the text pgoutput sends, to
 * the destination and come out identical: the destination's rows, printed by the server, equal
 * the source's.
 */
class PostgresDestinationExactnessIT {

    private static final TableId SOURCE = new TableId("public", "all_types");
    private static final TableId DESTINATION = new TableId("mirror", "all_types");

    private static final String SCHEMA = """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'très "content"', 'it''s');
            CREATE SCHEMA sales;
            CREATE TYPE sales.status AS ENUM ('new', 'paid');
            CREATE TABLE all_types (
                id int4 PRIMARY KEY,
                c_int2 int2, c_int4 int4, c_int8 int8,
                c_numeric numeric, c_numeric_scaled numeric(40,20),
                c_text text, c_varchar varchar(20), c_char char(5), c_qchar "char",
                c_bool bool, c_float4 float4, c_float8 float8,
                c_date date, c_time time, c_timetz timetz, c_timestamp timestamp(6),
                c_timestamptz timestamptz, c_timestamptz3 timestamptz(3), c_interval interval,
                c_uuid uuid, c_json json, c_jsonb jsonb, c_bytea bytea,
                c_int_array int4[], c_text_array text[], c_int_matrix int8[][],
                c_mood mood, c_mood_array mood[], c_status sales.status,
                c_inet inet, c_cidr cidr, c_macaddr macaddr, c_bits bit varying(16),
                c_range int4range, c_tstzrange tstzrange, c_point point, c_xml xml, c_oid oid
            )""";

    private static final String ROWS = """
            INSERT INTO all_types VALUES
            (1, 1, 2, 3, 1.5, 2.25, 'plain', 'short', 'ab', 'x', true, 1.25, 2.5,
             '2024-02-29', '08:15:56.123456', '08:15:56+05:30', '2024-02-29 08:15:56.123456',
             '2024-02-29 08:15:56.123456+01', '2024-02-29 08:15:56.123+00', '1 year 2 mons 3 days 04:05:06.789',
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2, {"c": null}]}', '\\xdeadbeef',
             '{1,2,3}', '{a,b}', '{{1,2},{3,4}}', 'happy', '{sad,ok}', 'paid',
             '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', B'1011', '[1,10)',
             '[2024-01-01 00:00:00+00,2024-02-01 00:00:00+00)', '(1.5,-2.25)', '<a>b</a>', 4000000000),
            (2, -32768, -2147483648, -9223372036854775808,
             '-123456789012345678901234567890123456789012345678901234567890.123456789012345678901234567890123456789',
             '12345678901234567890.12345678901234567890',
             '', '', '', ' ', false, 'NaN', 'NaN',
             '-infinity', '00:00:00', '23:59:59.999999-12', '-infinity', 'infinity', '-infinity',
             '-178000000 years -1 mons -2 days -03:04:05.000006',
             '00000000-0000-0000-0000-000000000000', '  { "spaced" :  "json",  "dup": 1, "dup": 2 }  ',
             '{"unicode": "\\u00e9\\u6f22", "nested": {"deep": [true, false, null, 1.0e10, -0.0]}}', '\\x',
             '{}', '{}', '{}', 'sad', '{}', 'new', '::1', '::/0', '00:00:00:00:00:00', B'', 'empty', 'empty',
             '(0,0)', '', 0),
            (3, 32767, 2147483647, 9223372036854775807, 'NaN', '-0.00000000000000000001',
             E'tab\\there\\nnewline\\r\\ncarriage\\\\backslash "double" ''single'' \\\\N \\\\. end',
             E'a\\tb', E'\\\\', E'\\\\', NULL, 'Infinity', '-Infinity',
             'infinity', '24:00:00', '00:00:00+14:59', 'infinity', '-infinity', 'infinity', '0',
             'ffffffff-ffff-ffff-ffff-ffffffffffff', E'"string with \\\\" and \\\\\\\\ inside"',
             E'{"tab": "\\\\t", "nl": "\\\\n", "bs": "\\\\\\\\", "q": "\\\\""}', E'\\\\x000102035c0a0d09ff',
             '{NULL,1,NULL}', E'{NULL,"NULL","","a b","c,d","e\\\\"f","g\\\\\\\\h","{i}"," lead"}', '{{NULL,1},{2,NULL}}',
             'très "content"', '{"très \\"content\\"","it''s",NULL}', NULL, NULL, NULL, NULL, NULL,
             '(,)', '(,2024-01-01 00:00:00+00]', NULL, E'<x>\\ttab &amp; "q"</x>', NULL),
            (4, NULL, NULL, NULL, 'Infinity', NULL, 'héllo wörld 漢字 😀 𝄞 ñ', 'ümlaut', 'ñ', 'é', NULL, '-0', '-0',
             '0001-01-01 BC', NULL, NULL, '0001-01-01 00:00:00 BC', '1970-01-01 00:00:00+00', NULL,
             '-1 days +23:59:59.999999', NULL, 'null', 'null', NULL,
             NULL, '{"😀","漢字"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (5, NULL, NULL, NULL, '-Infinity', 0, NULL, NULL, NULL, NULL, NULL, 3.4028235e38, 1.7976931348623157e308,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (6, 0, 0, 0, 0.1, 0.3, '\\N', '\\.', NULL, NULL, NULL, 1.17549435e-38, 4.9e-324,
             NULL, NULL, NULL, NULL, '2000-01-01 00:00:00.000001+00', NULL, NULL, NULL, '[]', '[]', '\\x00',
             '{0}', '{""}', NULL, 'ok', '{happy}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""";

    private ScratchDatabase source;
    private ScratchDatabase destination;
    private PostgresDestination target;

    @BeforeEach
    void createDatabases() throws SQLException {
        source = ScratchDatabase.create("dest_exact_src");
        destination = ScratchDatabase.create("dest_exact_dst");
        try (Connection c = source.connect(); Statement s = c.createStatement()) {
            s.execute(SCHEMA);
            s.execute(ROWS);
        }
        target = new PostgresDestination(ScratchDataSource.of(destination));
    }

    @AfterEach
    void dropDatabases() {
        target.close();
        source.close();
        destination.close();
    }

    @Test
    void shouldReproduceEveryValueOfEverySupportedTypeExactly() throws SQLException {
        TableSchema schema = prepare();

        target.apply("exact", new ChangeBatch(1, changes(schema, Kind.INSERT), "0/10"));

        assertDestinationEqualsSource();
    }

    @Test
    void shouldReproduceUpdatedValuesExactly() throws SQLException {
        TableSchema schema = prepare();
        target.apply("exact", new ChangeBatch(1, changes(schema, Kind.INSERT), "0/10"));
        try (Connection c = source.connect(); Statement s = c.createStatement()) {
            // Rows trade their values, so every column of every row changes, into and out of NULL.
            s.execute("CREATE TEMP TABLE shifted AS SELECT * FROM all_types");
            s.execute("UPDATE shifted SET id = CASE WHEN id = 6 THEN 1 ELSE id + 1 END");
            s.execute("DELETE FROM all_types");
            s.execute("INSERT INTO all_types SELECT * FROM shifted");
        }

        target.apply("exact", new ChangeBatch(2, changes(schema, Kind.UPDATE), "0/20"));

        assertDestinationEqualsSource();
    }

    @Test
    void shouldKeepValuesThatHappenToLookLikeCopyMarkersDistinctFromNullAndEmpty() throws SQLException {
        TableSchema schema = prepare();
        target.apply("exact", new ChangeBatch(1, changes(schema, Kind.INSERT), "0/10"));

        try (Connection c = destination.connect(); Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT id, c_text, c_text IS NULL, c_varchar FROM " + DESTINATION.quoted()
                        + " WHERE id IN (2, 5, 6) ORDER BY id")) {
            List<String> seen = new ArrayList<>();
            while (rows.next()) {
                seen.add(rows.getInt(1) + ":" + rows.getString(2) + ":" + rows.getBoolean(3) + ":" + rows.getString(4));
            }
            assertThat(seen).containsExactly("2::false:", "5:null:true:null", "6:\\N:false:\\.");
        }
    }

    private TableSchema prepare() throws SQLException {
        TableSchema schema;
        try (Connection c = source.connect()) {
            schema = SourceTables.describe(c, SOURCE);
        }
        target.prepare("exact", List.of(new TableMapping(SOURCE, DESTINATION, Set.of())), List.of(schema));
        return schema;
    }

    private List<Change> changes(TableSchema schema, Kind kind) throws SQLException {
        try (Connection c = source.connect()) {
            return SourceTables.rows(c, schema).stream()
                    .map(values -> (Change) new Change.Row(schema, kind, values, null)).toList();
        }
    }

    private void assertDestinationEqualsSource() throws SQLException {
        List<String> expected;
        List<String> actual;
        try (Connection c = source.connect()) {
            expected = SourceTables.rowTexts(c, SOURCE, "id");
        }
        try (Connection c = destination.connect()) {
            actual = SourceTables.rowTexts(c, DESTINATION, "id");
        }
        assertThat(expected).hasSize(6);
        assertThat(actual).containsExactlyElementsOf(expected);
    }
}
