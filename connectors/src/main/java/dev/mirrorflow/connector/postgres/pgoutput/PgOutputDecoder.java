package dev.mirrorflow.connector.postgres.pgoutput;

import dev.mirrorflow.connector.postgres.slot.Lsn;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Decodes pgoutput messages, protocol versions 1 and 2, into message records and hands each to
 * the matching {@link PgOutputHandler} method.
 *
 * <p>Use one decoder per replication stream, from one thread, and feed it every message of the
 * stream in order. It is stateful for one reason: in protocol 2 the messages between a Stream
 * Start and a Stream Stop carry a transaction id that messages elsewhere lack, and nothing in the
 * message itself says which form it has.
 *
 * <p>The protocol-3 two-phase messages ({@code two_phase 'on'}) and the protocol-4 Stream Abort
 * extension ({@code streaming 'parallel'}) are not supported and fail with a clear exception.
 * See "Logical Replication Message Formats" in the PostgreSQL documentation for the formats.
 */
public final class PgOutputDecoder {

    // Bits of the Truncate message's option byte.
    private static final int TRUNCATE_CASCADE = 1;
    private static final int TRUNCATE_RESTART_IDENTITY = 2;

    // Bit of a Relation column's flag byte that marks replica identity columns.
    private static final int COLUMN_PART_OF_KEY = 1;

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private boolean inStreamBlock;

    /**
     * Decodes one message and calls {@code handler} with it; the handler's own exceptions pass
     * through unchanged.
     *
     * @param message the XLogData payload as pgjdbc's {@code PGReplicationStream.read()} returns
     *     it, from its position (the message type byte) to its limit; its position is not changed
     * @throws PgOutputDecodingException if the message is empty, truncated, malformed, of an
     *     unknown type or not valid where it occurs in the stream
     */
    public void decode(ByteBuffer message, PgOutputHandler handler) {
        // A slice has its own position, so offsets in errors count from the type byte and the
        // caller's buffer stays as it was. A new slice is always big-endian, like the protocol.
        ByteBuffer buffer = message.slice();
        if (!buffer.hasRemaining()) {
            throw new PgOutputDecodingException("Empty pgoutput message: expected at least a message type byte");
        }
        byte type = buffer.get();
        MessageReader reader = new MessageReader(buffer, describe(type), utf8);
        switch (type) {
            case 'B' -> dispatch(reader, this::begin, handler::onBegin);
            case 'C' -> dispatch(reader, this::commit, handler::onCommit);
            case 'O' -> dispatch(reader, this::origin, handler::onOrigin);
            case 'R' -> dispatch(reader, this::relation, handler::onRelation);
            case 'Y' -> dispatch(reader, this::type, handler::onType);
            case 'I' -> dispatch(reader, this::insert, handler::onInsert);
            case 'U' -> dispatch(reader, this::update, handler::onUpdate);
            case 'D' -> dispatch(reader, this::delete, handler::onDelete);
            case 'T' -> dispatch(reader, this::truncate, handler::onTruncate);
            case 'M' -> dispatch(reader, this::logicalDecodingMessage, handler::onLogicalDecodingMessage);
            case 'S' -> dispatch(reader, this::streamStart, handler::onStreamStart);
            case 'E' -> dispatch(reader, this::streamStop, handler::onStreamStop);
            case 'c' -> dispatch(reader, this::streamCommit, handler::onStreamCommit);
            case 'A' -> dispatch(reader, this::streamAbort, handler::onStreamAbort);
            // describe() has already rejected every other type; reaching here is a bug in this class.
            default -> throw new IllegalStateException("describe() accepted message type " + (char) type);
        }
    }

    // Decoding the whole message before the handler sees it means a handler never acts on a
    // message that later turns out to be malformed.
    private static <M> void dispatch(MessageReader reader, Function<MessageReader, M> decode, Consumer<M> handle) {
        M decoded = decode.apply(reader);
        reader.expectEnd();
        handle.accept(decoded);
    }

    private BeginMessage begin(MessageReader reader) {
        return new BeginMessage(
                reader.lsn("final LSN"), reader.timestamp("commit timestamp"), reader.uint32("transaction id"));
    }

    private CommitMessage commit(MessageReader reader) {
        reader.int8("flags");
        return new CommitMessage(reader.lsn("commit LSN"), reader.lsn("end LSN"), reader.timestamp("commit timestamp"));
    }

    private OriginMessage origin(MessageReader reader) {
        return new OriginMessage(reader.lsn("origin commit LSN"), reader.string("origin name"));
    }

    private RelationMessage relation(MessageReader reader) {
        long xid = streamedXid(reader);
        int relationOid = reader.int32("relation oid");
        String namespace = reader.string("namespace");
        String name = reader.string("relation name");
        int identityOffset = reader.offset();
        byte identityCode = reader.int8("replica identity");
        ReplicaIdentity identity = ReplicaIdentity.fromCode(identityCode);
        if (identity == null) {
            throw reader.malformed("unknown replica identity " + describeByte(identityCode) + " at offset " + identityOffset);
        }
        int columnCount = reader.uint16("number of columns");
        List<RelationColumn> columns = new ArrayList<>(columnCount);
        for (int i = 0; i < columnCount; i++) {
            byte flags = reader.int8("column flags");
            columns.add(new RelationColumn(
                    (flags & COLUMN_PART_OF_KEY) != 0,
                    reader.string("column name"),
                    reader.int32("column type oid"),
                    reader.int32("column type modifier")));
        }
        return new RelationMessage(xid, relationOid, namespace, name, identity, columns);
    }

    private TypeMessage type(MessageReader reader) {
        return new TypeMessage(
                streamedXid(reader), reader.int32("type oid"), reader.string("namespace"), reader.string("type name"));
    }

    private InsertMessage insert(MessageReader reader) {
        long xid = streamedXid(reader);
        int relationOid = reader.int32("relation oid");
        expectTupleMarker(reader, 'N', "new tuple marker");
        return new InsertMessage(xid, relationOid, tuple(reader));
    }

    private UpdateMessage update(MessageReader reader) {
        long xid = streamedXid(reader);
        int relationOid = reader.int32("relation oid");
        int markerOffset = reader.offset();
        byte marker = reader.int8("tuple marker");
        Optional<OldTuple> oldTuple = Optional.empty();
        if (marker == 'K' || marker == 'O') {
            oldTuple = Optional.of(oldTuple(marker, reader));
            markerOffset = reader.offset();
            marker = reader.int8("new tuple marker");
        }
        if (marker != 'N') {
            throw reader.malformed("expected 'K', 'O' or 'N' at offset " + markerOffset + " but found " + describeByte(marker));
        }
        return new UpdateMessage(xid, relationOid, oldTuple, tuple(reader));
    }

    private DeleteMessage delete(MessageReader reader) {
        long xid = streamedXid(reader);
        int relationOid = reader.int32("relation oid");
        int markerOffset = reader.offset();
        byte marker = reader.int8("old tuple marker");
        if (marker != 'K' && marker != 'O') {
            throw reader.malformed("expected 'K' or 'O' at offset " + markerOffset + " but found " + describeByte(marker));
        }
        return new DeleteMessage(xid, relationOid, oldTuple(marker, reader));
    }

    private TruncateMessage truncate(MessageReader reader) {
        long xid = streamedXid(reader);
        int relationCount = reader.count("number of relations");
        byte options = reader.int8("options");
        List<Integer> relationOids = new ArrayList<>();
        for (int i = 0; i < relationCount; i++) {
            relationOids.add(reader.int32("relation oid"));
        }
        return new TruncateMessage(
                xid, relationOids, (options & TRUNCATE_CASCADE) != 0, (options & TRUNCATE_RESTART_IDENTITY) != 0);
    }

    private LogicalDecodingMessage logicalDecodingMessage(MessageReader reader) {
        long xid = streamedXid(reader);
        boolean transactional = (reader.int8("flags") & 1) != 0;
        Lsn lsn = reader.lsn("message LSN");
        String prefix = reader.string("prefix");
        byte[] content = reader.bytes(reader.count("content length"), "content");
        return new LogicalDecodingMessage(xid, transactional, lsn, prefix, content);
    }

    private StreamStartMessage streamStart(MessageReader reader) {
        if (inStreamBlock) {
            throw reader.malformed("a Stream Start arrived before the previous stream block was stopped");
        }
        StreamStartMessage message = new StreamStartMessage(reader.uint32("transaction id"), reader.int8("first segment flag") == 1);
        inStreamBlock = true;
        return message;
    }

    private StreamStopMessage streamStop(MessageReader reader) {
        if (!inStreamBlock) {
            throw reader.malformed("a Stream Stop arrived without a preceding Stream Start");
        }
        inStreamBlock = false;
        return new StreamStopMessage();
    }

    private StreamCommitMessage streamCommit(MessageReader reader) {
        long xid = reader.uint32("transaction id");
        reader.int8("flags");
        return new StreamCommitMessage(
                xid, reader.lsn("commit LSN"), reader.lsn("end LSN"), reader.timestamp("commit timestamp"));
    }

    private StreamAbortMessage streamAbort(MessageReader reader) {
        return new StreamAbortMessage(reader.uint32("transaction id"), reader.uint32("subtransaction id"));
    }

    // Inside a stream block, protocol 2 prefixes change and schema messages with the id of the
    // (sub)transaction they belong to; elsewhere the field is absent.
    private long streamedXid(MessageReader reader) {
        return inStreamBlock ? reader.uint32("transaction id") : 0L;
    }

    private static OldTuple oldTuple(byte marker, MessageReader reader) {
        OldTuple.Kind kind = marker == 'K' ? OldTuple.Kind.KEY : OldTuple.Kind.FULL_ROW;
        return new OldTuple(kind, tuple(reader));
    }

    private static void expectTupleMarker(MessageReader reader, char expected, String field) {
        int offset = reader.offset();
        byte marker = reader.int8(field);
        if (marker != expected) {
            throw reader.malformed("expected '" + expected + "' at offset " + offset + " but found " + describeByte(marker));
        }
    }

    private static TupleData tuple(MessageReader reader) {
        int columnCount = reader.uint16("number of columns");
        List<ColumnValue> columns = new ArrayList<>(columnCount);
        for (int i = 0; i < columnCount; i++) {
            int kindOffset = reader.offset();
            byte kind = reader.int8("column kind");
            columns.add(switch (kind) {
                case 'n' -> ColumnValue.NULL;
                case 'u' -> ColumnValue.UNCHANGED_TOAST;
                case 't' -> new ColumnValue.Text(reader.utf8(reader.count("column length"), "text value"));
                case 'b' -> new ColumnValue.Binary(reader.bytes(reader.count("column length"), "binary value"));
                default -> throw reader.malformed("unknown kind " + describeByte(kind) + " for column " + i
                        + " at offset " + kindOffset + "; expected 'n', 'u', 't' or 'b'");
            });
        }
        return new TupleData(columns);
    }

    /** The message type's name for error messages, or an exception if the type is not supported. */
    private static String describe(byte type) {
        String name = switch (type) {
            case 'B' -> "Begin";
            case 'C' -> "Commit";
            case 'O' -> "Origin";
            case 'R' -> "Relation";
            case 'Y' -> "Type";
            case 'I' -> "Insert";
            case 'U' -> "Update";
            case 'D' -> "Delete";
            case 'T' -> "Truncate";
            case 'M' -> "Message";
            case 'S' -> "Stream Start";
            case 'E' -> "Stream Stop";
            case 'c' -> "Stream Commit";
            case 'A' -> "Stream Abort";
            case 'b', 'P', 'K', 'r', 'p' -> throw new PgOutputDecodingException("Unsupported pgoutput message type "
                    + describeByte(type) + ": it is a two-phase commit message of protocol version 3;"
                    + " start the slot with proto_version 1 or 2 and without two_phase");
            default -> throw new PgOutputDecodingException("Unknown pgoutput message type " + describeByte(type)
                    + "; expected one of B, C, O, R, Y, I, U, D, T, M, S, E, c, A");
        };
        return name + " ('" + (char) type + "')";
    }

    /** A byte as {@code 'Z' (0x5A)}, or just {@code 0x05} when it is not printable ASCII. */
    private static String describeByte(byte value) {
        String hex = String.format("0x%02X", value & 0xFF);
        return value >= 0x20 && value < 0x7F ? "'" + (char) value + "' (" + hex + ")" : hex;
    }
}
