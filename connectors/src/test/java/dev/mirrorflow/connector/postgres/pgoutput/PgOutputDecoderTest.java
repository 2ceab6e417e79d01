package dev.mirrorflow.connector.postgres.pgoutput;

import static dev.mirrorflow.connector.postgres.pgoutput.ColumnValue.NULL;
import static dev.mirrorflow.connector.postgres.pgoutput.ColumnValue.UNCHANGED_TOAST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Decodes messages that a PostgreSQL 15 server really sent (see {@link PgOutputFixtureCapture}
 * and the headers of the fixture files for the workloads). Positions and times differ between
 * captures, so those are checked by their relations; everything the workload fixed is checked
 * exactly.
 */
class PgOutputDecoderTest {

    // Built-in type oids from pg_type.dat; they never change.
    private static final int INT2 = 21;
    private static final int INT4 = 23;
    private static final int INT8 = 20;
    private static final int TEXT = 25;
    private static final int NUMERIC = 1700;
    private static final int VARCHAR = 1043;
    private static final int BPCHAR = 1042;
    private static final int JSONB = 3802;
    private static final int TIMESTAMPTZ = 1184;
    private static final int INT4_ARRAY = 1007;
    private static final int TEXT_ARRAY = 1009;

    @Test
    void shouldFrameTransactionWithBeginAndCommitAtOrderedPositions() {
        RecordingHandler decoded = PgOutputFixtures.decode("insert-all-types");

        assertThat(decoded.messages).hasSize(7);
        assertThat(decoded.messages.get(0)).isInstanceOf(BeginMessage.class);
        assertThat(decoded.messages.get(6)).isInstanceOf(CommitMessage.class);
        var begin = (BeginMessage) decoded.messages.get(0);
        var commit = (CommitMessage) decoded.messages.get(6);
        assertThat(begin.xid()).isPositive();
        assertThat(begin.finalLsn().isValid()).isTrue();
        assertThat(commit.commitLsn()).isEqualTo(begin.finalLsn());
        assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());
        assertThat(commit.commitTime()).isEqualTo(begin.commitTime());
        // The fixtures were captured after this project began and Postgres keeps microseconds.
        assertThat(commit.commitTime()).isAfter(Instant.parse("2024-01-01T00:00:00Z")).isBefore(Instant.now());
        assertThat(commit.commitTime().getNano() % 1_000).isZero();
    }

    @Test
    void shouldDescribeEnumTypeBeforeTheRelationThatUsesIt() {
        RecordingHandler decoded = PgOutputFixtures.decode("insert-all-types");

        var type = (TypeMessage) decoded.messages.get(1);
        var relation = (RelationMessage) decoded.messages.get(2);
        assertThat(type.namespace()).isEqualTo("public");
        assertThat(type.name()).isEqualTo("fx_mood");
        assertThat(type.xid()).isZero();
        assertThat(relation.columns().get(24).name()).isEqualTo("c_mood");
        assertThat(relation.columns().get(24).typeOid()).isEqualTo(type.typeOid());
    }

    @Test
    void shouldDescribeRelationColumnsWithTypesModifiersAndKey() {
        RelationMessage relation = PgOutputFixtures.decode("insert-all-types").messagesOf(RelationMessage.class).get(0);

        assertThat(relation.namespace()).isEqualTo("public");
        assertThat(relation.name()).isEqualTo("fx_all_types");
        assertThat(relation.replicaIdentity()).isEqualTo(ReplicaIdentity.DEFAULT);
        assertThat(relation.xid()).isZero();
        assertThat(relation.keyColumns()).containsExactly(new RelationColumn(true, "id", INT4, -1));
        assertThat(relation.columns()).hasSize(25).startsWith(
                new RelationColumn(true, "id", INT4, -1),
                new RelationColumn(false, "c_int2", INT2, -1),
                new RelationColumn(false, "c_int4", INT4, -1),
                new RelationColumn(false, "c_int8", INT8, -1),
                new RelationColumn(false, "c_numeric", NUMERIC, -1),
                // numeric(12, 2): ((precision << 16) | scale) + VARHDRSZ.
                new RelationColumn(false, "c_numeric_scaled", NUMERIC, (12 << 16 | 2) + 4),
                new RelationColumn(false, "c_text", TEXT, -1),
                // varchar(20) and char(5): the length + VARHDRSZ.
                new RelationColumn(false, "c_varchar", VARCHAR, 24),
                new RelationColumn(false, "c_char", BPCHAR, 9));
        assertThat(relation.columns()).contains(
                new RelationColumn(false, "c_timestamptz", TIMESTAMPTZ, -1),
                new RelationColumn(false, "c_jsonb", JSONB, -1),
                new RelationColumn(false, "c_int_array", INT4_ARRAY, -1),
                new RelationColumn(false, "c_text_array", TEXT_ARRAY, -1));
    }

    @Test
    void shouldDecodeEveryColumnAsPostgresTextOutput() {
        RecordingHandler decoded = PgOutputFixtures.decode("insert-all-types");
        RelationMessage relation = decoded.messagesOf(RelationMessage.class).get(0);
        InsertMessage insert = decoded.messagesOf(InsertMessage.class).get(0);

        assertThat(insert.relationOid()).isEqualTo(relation.relationOid());
        assertThat(insert.xid()).isZero();
        Map<String, ColumnValue> expected = new LinkedHashMap<>();
        expected.put("id", text("1"));
        expected.put("c_int2", text("-32768"));
        expected.put("c_int4", text("2147483647"));
        expected.put("c_int8", text("-9223372036854775808"));
        expected.put("c_numeric", text("12345678901234567890.123456789012345"));
        expected.put("c_numeric_scaled", text("1234.50"));
        expected.put("c_text", text("héllo wörld ✓"));
        expected.put("c_varchar", text("varchar"));
        expected.put("c_char", text("ab   "));
        expected.put("c_bool", text("t"));
        expected.put("c_float4", text("1.5"));
        expected.put("c_float8", text("3.141592653589793"));
        expected.put("c_date", text("2024-02-29"));
        expected.put("c_time", text("13:45:56.789012"));
        expected.put("c_timetz", text("13:45:56.789012+05:30"));
        expected.put("c_timestamp", text("2024-02-29 13:45:56.789012"));
        // Written as 13:45:56.789012+05:30; the walsender prints it in its zone, UTC.
        expected.put("c_timestamptz", text("2024-02-29 08:15:56.789012+00"));
        expected.put("c_interval", text("1 year 2 mons 3 days 04:05:06.789"));
        expected.put("c_uuid", text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        expected.put("c_json", text("{\"b\": 1, \"a\": [true, null]}"));
        expected.put("c_jsonb", text("{\"a\": [true, null], \"b\": 1}"));
        expected.put("c_bytea", text("\\xdeadbeef"));
        expected.put("c_int_array", text("{1,2,3}"));
        expected.put("c_text_array", text("{\"a b\",NULL,\"c,d\"}"));
        expected.put("c_mood", text("happy"));
        assertThat(byColumnName(relation, insert.newTuple())).containsExactlyEntriesOf(expected);
    }

    @Test
    void shouldKeepNullDistinctFromEmptyStringAndDecodeSpecialFloats() {
        RecordingHandler decoded = PgOutputFixtures.decode("insert-all-types");
        RelationMessage relation = decoded.messagesOf(RelationMessage.class).get(0);
        List<InsertMessage> inserts = decoded.messagesOf(InsertMessage.class);

        Map<String, ColumnValue> second = byColumnName(relation, inserts.get(1).newTuple());
        assertThat(second.get("c_text")).isEqualTo(text("")).isNotEqualTo(NULL);
        assertThat(second.get("c_float4")).isEqualTo(text("NaN"));
        assertThat(second.get("c_float8")).isEqualTo(text("Infinity"));
        assertThat(second.get("c_varchar")).isEqualTo(NULL);
        assertThat(second.values()).filteredOn(NULL::equals).hasSize(21);

        Map<String, ColumnValue> third = byColumnName(relation, inserts.get(2).newTuple());
        assertThat(third.get("c_text")).isEqualTo(NULL);
        assertThat(third.get("c_float4")).isEqualTo(text("-Infinity"));
        assertThat(third.get("c_float8")).isEqualTo(text("NaN"));
    }

    @Test
    void shouldMarkUntouchedToastColumnAsUnchangedRatherThanNull() {
        RecordingHandler decoded = PgOutputFixtures.decode("update-unchanged-toast");

        assertThat(decoded.messages).hasSize(4);
        UpdateMessage update = decoded.messagesOf(UpdateMessage.class).get(0);
        assertThat(update.oldTuple()).isEmpty();
        assertThat(update.newTuple().columns()).containsExactly(text("1"), text("2"), UNCHANGED_TOAST);
        assertThat(update.newTuple().column(2)).isNotEqualTo(NULL).isNotEqualTo(text(""));
    }

    @Test
    void shouldSendOldKeyOnlyWhenTheUpdateChangesThePrimaryKey() {
        RecordingHandler decoded = PgOutputFixtures.decode("update-primary-key");
        RelationMessage relation = decoded.messagesOf(RelationMessage.class).get(0);
        List<UpdateMessage> updates = decoded.messagesOf(UpdateMessage.class);

        assertThat(relation.name()).isEqualTo("fx_account");
        assertThat(relation.keyColumns()).extracting(RelationColumn::name).containsExactly("id");
        assertThat(updates).hasSize(2);
        assertThat(updates.get(0).oldTuple()).contains(new OldTuple(OldTuple.Kind.KEY, tuple(text("1"), NULL, NULL)));
        assertThat(updates.get(0).newTuple()).isEqualTo(tuple(text("2"), text("alice"), text("10.00")));
        assertThat(updates.get(1).oldTuple()).isEmpty();
        assertThat(updates.get(1).newTuple()).isEqualTo(tuple(text("2"), text("alice"), text("20.50")));
    }

    @Test
    void shouldIdentifyDeletedRowByItsKey() {
        RecordingHandler decoded = PgOutputFixtures.decode("delete");
        RelationMessage relation = decoded.messagesOf(RelationMessage.class).get(0);
        DeleteMessage delete = decoded.messagesOf(DeleteMessage.class).get(0);

        assertThat(delete.relationOid()).isEqualTo(relation.relationOid());
        assertThat(delete.oldTuple()).isEqualTo(new OldTuple(OldTuple.Kind.KEY, tuple(text("3"), NULL, NULL)));
    }

    @Test
    void shouldSendWholeOldRowUnderReplicaIdentityFull() {
        RecordingHandler decoded = PgOutputFixtures.decode("replica-identity-full");
        RelationMessage relation = decoded.messagesOf(RelationMessage.class).get(0);

        assertThat(decoded.messagesOf(BeginMessage.class)).hasSize(2);
        assertThat(decoded.messagesOf(CommitMessage.class)).hasSize(2);
        assertThat(relation.replicaIdentity()).isEqualTo(ReplicaIdentity.FULL);
        // Under REPLICA IDENTITY FULL every column identifies the row.
        assertThat(relation.keyColumns()).extracting(RelationColumn::name)
                .containsExactly("happened_at", "event", "amount");
        UpdateMessage update = decoded.messagesOf(UpdateMessage.class).get(0);
        assertThat(update.oldTuple()).contains(new OldTuple(OldTuple.Kind.FULL_ROW,
                tuple(text("2024-02-29 12:00:00+00"), text("deposit"), text("10"))));
        assertThat(update.newTuple()).isEqualTo(tuple(text("2024-02-29 12:00:00+00"), text("deposit"), text("11")));
        DeleteMessage delete = decoded.messagesOf(DeleteMessage.class).get(0);
        assertThat(delete.oldTuple()).isEqualTo(new OldTuple(OldTuple.Kind.FULL_ROW,
                tuple(text("2024-02-29 12:00:00+00"), text("deposit"), text("11"))));
    }

    @Test
    void shouldDecodeTruncateOfTwoTablesWithCascadeAndRestartIdentity() {
        RecordingHandler decoded = PgOutputFixtures.decode("truncate");
        List<RelationMessage> relations = decoded.messagesOf(RelationMessage.class);

        assertThat(relations).extracting(RelationMessage::name).containsExactlyInAnyOrder("fx_customer", "fx_order");
        TruncateMessage truncate = decoded.messagesOf(TruncateMessage.class).get(0);
        assertThat(truncate.relationOids())
                .containsExactlyInAnyOrderElementsOf(relations.stream().map(RelationMessage::relationOid).toList());
        assertThat(truncate.cascade()).isTrue();
        assertThat(truncate.restartIdentity()).isTrue();
    }

    @Test
    void shouldSendRelationAgainForSameOidAfterAddColumn() {
        RecordingHandler decoded = PgOutputFixtures.decode("add-column");
        List<RelationMessage> relations = decoded.messagesOf(RelationMessage.class);
        List<InsertMessage> inserts = decoded.messagesOf(InsertMessage.class);

        assertThat(relations).hasSize(2);
        assertThat(relations.get(1).relationOid()).isEqualTo(relations.get(0).relationOid());
        assertThat(relations.get(0).columns()).extracting(RelationColumn::name).containsExactly("id", "name");
        assertThat(relations.get(1).columns()).extracting(RelationColumn::name).containsExactly("id", "name", "note");
        assertThat(relations.get(1).columns().get(2)).isEqualTo(new RelationColumn(false, "note", TEXT, -1));
        assertThat(inserts.get(0).newTuple()).isEqualTo(tuple(text("1"), text("before")));
        assertThat(inserts.get(1).newTuple()).isEqualTo(tuple(text("2"), text("after"), text("noted")));
    }

    @Test
    void shouldDecodeOriginOfReplayedTransactionRightAfterBegin() {
        RecordingHandler decoded = PgOutputFixtures.decode("origin");

        assertThat(decoded.messages.get(0)).isInstanceOf(BeginMessage.class);
        assertThat(decoded.messages.get(1))
                .isEqualTo(new OriginMessage(Lsn.valueOf("0/1A2B3C4D"), "mirrorflow_fixture_origin"));
    }

    @Test
    void shouldDecodeBinaryColumnsAsTheTypesSendFormat() {
        InsertMessage insert = PgOutputFixtures.decode("binary").messagesOf(InsertMessage.class).get(0);

        long micros = ChronoUnit.MICROS.between(
                Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2024-02-29T08:15:56.789012Z"));
        assertThat(insert.newTuple()).isEqualTo(tuple(
                binary("00000001"),
                new ColumnValue.Binary("hé".getBytes(StandardCharsets.UTF_8)),
                binary("01"),
                binary("3fe0000000000000"),
                binary("0102ff"),
                new ColumnValue.Binary(ByteBuffer.allocate(8).putLong(micros).array()),
                NULL));
    }

    @Test
    void shouldDecodeTransactionalAndNonTransactionalLogicalMessages() {
        RecordingHandler decoded = PgOutputFixtures.decode("logical-message");

        assertThat(decoded.messages).hasSize(6);
        var outside = (LogicalDecodingMessage) decoded.messages.get(0);
        assertThat(outside.transactional()).isFalse();
        assertThat(outside.prefix()).isEqualTo("mirrorflow");
        assertThat(outside.content()).isEqualTo("outside".getBytes(StandardCharsets.UTF_8));

        var begin = (BeginMessage) decoded.messages.get(1);
        var inside = (LogicalDecodingMessage) decoded.messages.get(2);
        var commit = (CommitMessage) decoded.messages.get(5);
        assertThat(inside.transactional()).isTrue();
        assertThat(inside.xid()).isZero();
        assertThat(inside.prefix()).isEqualTo("mirrorflow");
        assertThat(inside.content()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(inside.lsn()).isGreaterThan(outside.lsn()).isLessThan(commit.commitLsn());
        assertThat(begin.finalLsn()).isEqualTo(commit.commitLsn());
    }

    @Test
    void shouldDecodeStreamedTransactionWithRolledBackSavepoint() {
        RecordingHandler decoded = PgOutputFixtures.decode("streamed-commit");
        List<StreamStartMessage> starts = decoded.messagesOf(StreamStartMessage.class);
        long xid = starts.get(0).xid();

        assertThat(decoded.messages.get(0)).isInstanceOf(StreamStartMessage.class);
        assertThat(starts).extracting(StreamStartMessage::firstSegment).containsExactly(true, false, false, false, false);
        assertThat(starts).extracting(StreamStartMessage::xid).containsOnly(xid);
        assertThat(decoded.messagesOf(StreamStopMessage.class)).hasSize(starts.size());
        assertThat(decoded.messagesOf(BeginMessage.class)).isEmpty();
        assertThat(decoded.messagesOf(RelationMessage.class)).extracting(RelationMessage::xid).doesNotContain(0L);

        StreamAbortMessage savepointAbort = decoded.messagesOf(StreamAbortMessage.class).get(0);
        long rolledBackXid = savepointAbort.subtransactionXid();
        assertThat(savepointAbort.xid()).isEqualTo(xid);
        assertThat(savepointAbort.abortsTransaction()).isFalse();
        // Each streamed change carries the id of the subtransaction that made it, which is what
        // lets a consumer discard exactly the rolled-back savepoint's rows.
        Map<Long, List<Integer>> idsByXid = decoded.messagesOf(InsertMessage.class).stream()
                .collect(Collectors.groupingBy(InsertMessage::xid, LinkedHashMap::new,
                        Collectors.mapping(insert -> id(insert.newTuple()), Collectors.toList())));
        assertThat(idsByXid).hasSize(3).containsKeys(xid, rolledBackXid);
        assertThat(idsByXid.get(xid)).containsExactlyElementsOf(IntStream.rangeClosed(1, 1000).boxed().toList());
        // Rows still in the server's memory when the savepoint rolled back were never streamed.
        assertThat(idsByXid.get(rolledBackXid)).isNotEmpty().allMatch(id -> id > 1000 && id <= 2000);
        // ROLLBACK TO keeps the savepoint, so the last row belongs to a fresh subtransaction.
        assertThat(idsByXid).containsValue(List.of(5000));

        var commit = (StreamCommitMessage) decoded.messages.get(decoded.messages.size() - 1);
        assertThat(commit.xid()).isEqualTo(xid);
        assertThat(commit.commitLsn().isValid()).isTrue();
        assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());
        assertThat(commit.commitTime()).isAfter(Instant.parse("2024-01-01T00:00:00Z"));
    }

    @Test
    void shouldDecodeStreamedTransactionThatRolledBack() {
        RecordingHandler decoded = PgOutputFixtures.decode("streamed-abort");
        long xid = decoded.messagesOf(StreamStartMessage.class).get(0).xid();

        assertThat(decoded.messagesOf(InsertMessage.class)).isNotEmpty().extracting(InsertMessage::xid).containsOnly(xid);
        assertThat(decoded.messages.get(decoded.messages.size() - 1)).isEqualTo(new StreamAbortMessage(xid, xid));
        assertThat(new StreamAbortMessage(xid, xid).abortsTransaction()).isTrue();
    }

    @Test
    void shouldReadPgjdbcBufferFromItsPositionAndLeaveThePositionAlone() {
        ByteBuffer commit = PgOutputFixtures.messages("delete").get(3);
        byte[] framed = new byte[commit.remaining() + 25];
        commit.duplicate().get(framed, 25, commit.remaining());
        // pgjdbc hands over a slice of the whole CopyData frame, past its 25-byte XLogData header.
        ByteBuffer fromPgjdbc = ByteBuffer.wrap(framed, 25, commit.remaining()).slice();
        ByteBuffer positioned = ByteBuffer.wrap(framed).position(25);
        var handler = new RecordingHandler();

        new PgOutputDecoder().decode(fromPgjdbc, handler);
        new PgOutputDecoder().decode(positioned, handler);

        assertThat(handler.messages).hasSize(2).allMatch(CommitMessage.class::isInstance);
        assertThat(handler.messages.get(1)).isEqualTo(handler.messages.get(0));
        assertThat(fromPgjdbc.position()).isZero();
        assertThat(positioned.position()).isEqualTo(25);
    }

    private static ColumnValue text(String value) {
        return new ColumnValue.Text(value);
    }

    private static ColumnValue binary(String hex) {
        return new ColumnValue.Binary(HexFormat.of().parseHex(hex));
    }

    private static TupleData tuple(ColumnValue... values) {
        return new TupleData(List.of(values));
    }

    private static int id(TupleData tuple) {
        return Integer.parseInt(((ColumnValue.Text) tuple.column(0)).text());
    }

    private static Map<String, ColumnValue> byColumnName(RelationMessage relation, TupleData tuple) {
        assertThat(tuple.size()).isEqualTo(relation.columns().size());
        Map<String, ColumnValue> values = new LinkedHashMap<>();
        for (int i = 0; i < tuple.size(); i++) {
            values.put(relation.columns().get(i).name(), tuple.column(i));
        }
        return values;
    }
}
