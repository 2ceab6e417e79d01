package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.SchemaChange;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.pgoutput.BeginMessage;
import dev.mirrorflow.connector.postgres.pgoutput.ColumnValue;
import dev.mirrorflow.connector.postgres.pgoutput.CommitMessage;
import dev.mirrorflow.connector.postgres.pgoutput.DeleteMessage;
import dev.mirrorflow.connector.postgres.pgoutput.InsertMessage;
import dev.mirrorflow.connector.postgres.pgoutput.LogicalDecodingMessage;
import dev.mirrorflow.connector.postgres.pgoutput.OriginMessage;
import dev.mirrorflow.connector.postgres.pgoutput.PgOutputHandler;
import dev.mirrorflow.connector.postgres.pgoutput.RelationColumn;
import dev.mirrorflow.connector.postgres.pgoutput.RelationMessage;
import dev.mirrorflow.connector.postgres.pgoutput.StreamAbortMessage;
import dev.mirrorflow.connector.postgres.pgoutput.StreamCommitMessage;
import dev.mirrorflow.connector.postgres.pgoutput.StreamStartMessage;
import dev.mirrorflow.connector.postgres.pgoutput.StreamStopMessage;
import dev.mirrorflow.connector.postgres.pgoutput.TruncateMessage;
import dev.mirrorflow.connector.postgres.pgoutput.TupleData;
import dev.mirrorflow.connector.postgres.pgoutput.TypeMessage;
import dev.mirrorflow.connector.postgres.pgoutput.UpdateMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns decoded pgoutput messages into neutral {@link Change}s, keeping track of transaction
 * boundaries. Transactions that committed at or before the resume position are skipped: the
 * destination already has them (a crash after the destination commit and before the
 * acknowledgement to the source replays them). Changes of tables the mirror does not map (the
 * publication may have more) are skipped too. One per stream, one thread.
 *
 * <p>With {@link FollowedTables} the mirror's tables are recognised by relation OID, not by the
 * name in the Relation message: a table renamed at the source keeps its changes flowing under the
 * spec's table id, and the rename, like a dropped column, is noticed as a {@link SchemaChange}
 * that travels with the next batch. Changes are noticed only in transactions the destination does
 * not have yet, so a replay does not notice again what the history has already.
 */
final class ChangeAssembler implements PgOutputHandler {

    private final TypeNames typeNames;
    private final RelationKeys relationKeys;
    private final RelationAttributes relationAttributes;
    private final Lsn resumeAfter;
    private final Set<TableId> tables;
    /** The followed tables by relation OID, or null when the mirror's tables are known by name. */
    private final Map<Integer, Followed> followed;
    private final Lsn shapesReadAt;
    private final Map<Integer, Relation> relations = new HashMap<>();

    private List<Change> pending = new ArrayList<>();
    private List<SchemaChange> pendingSchemaChanges = new ArrayList<>();
    private int pendingRows;
    private boolean inTransaction;
    private boolean skipping;
    private Lsn transactionCommit = Lsn.INVALID;
    private boolean cutInTransaction;
    private boolean positionPending;
    private Lsn committedPosition;
    private Lsn lastCommitEnd;
    private long skippedTransactions;
    private long transactionXid;
    /**
     * The tables each transaction truncated, replayed ones included: a TRUNCATE of a partitioned
     * table gives each of its partitions new storage, which the partition watch must not take
     * for a partition's own TRUNCATE (which the stream never carries). Read by other threads.
     */
    private final Set<Truncated> truncated = ConcurrentHashMap.newKeySet();

    private record Truncated(long xid, int relationOid) {}

    /**
     * @param relationKeys where the key of a delivered table is read: never the Relation message
     * @param relationAttributes what the source's catalog says of a relation's columns beyond
     *     its Relation message: attribute numbers, current names, and what existing rows read in
     *     a column added since
     * @param tables the tables whose changes to deliver, by name; empty for all
     */
    ChangeAssembler(TypeNames typeNames, RelationKeys relationKeys, RelationAttributes relationAttributes,
            Lsn resumeAfter, Set<TableId> tables) {
        this(typeNames, relationKeys, relationAttributes, resumeAfter, tables, null);
    }

    /** Delivers the changes of the followed tables, recognised by relation OID. */
    ChangeAssembler(TypeNames typeNames, RelationKeys relationKeys, RelationAttributes relationAttributes,
            Lsn resumeAfter, FollowedTables followedTables) {
        this(typeNames, relationKeys, relationAttributes, resumeAfter, Set.of(), followedTables);
    }

    private ChangeAssembler(TypeNames typeNames, RelationKeys relationKeys, RelationAttributes relationAttributes,
            Lsn resumeAfter, Set<TableId> tables, FollowedTables followedTables) {
        this.typeNames = typeNames;
        this.relationKeys = relationKeys;
        this.relationAttributes = relationAttributes;
        this.resumeAfter = resumeAfter;
        this.tables = Set.copyOf(tables);
        this.committedPosition = resumeAfter;
        this.lastCommitEnd = resumeAfter;
        if (followedTables == null) {
            this.followed = null;
            this.shapesReadAt = Lsn.INVALID;
        } else {
            this.followed = new HashMap<>();
            followedTables.byOid().forEach((oid, t) -> followed.put(oid, new Followed(t)));
            this.shapesReadAt = followedTables.shapesReadAt();
        }
    }

    int pendingRows() {
        return pendingRows;
    }

    /**
     * Whether there is something to hand over: changes, a noticed schema change, or the end of a
     * transaction whose rows were all handed over before its commit arrived (the batches cut
     * inside it kept the previous position, so without a batch of its own the destination's
     * checkpoint, and what the mirror shows, would stay before it).
     */
    boolean hasPending() {
        return !pending.isEmpty() || positionPending || !pendingSchemaChanges.isEmpty();
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** How many replayed transactions were skipped because the destination had them. */
    long skippedTransactions() {
        return skippedTransactions;
    }

    /** Whether the transaction was seen truncating the table, applied or skipped. */
    boolean truncated(long xid, long relationOid) {
        return truncated.contains(new Truncated(xid, (int) relationOid));
    }

    /** The end of the newest commit seen, applied or skipped. */
    Lsn lastCommitEnd() {
        return lastCommitEnd;
    }

    /**
     * Hands over the pending changes. Their position is the end of the last transaction that
     * committed completely within them; a batch cut inside a transaction keeps the previous
     * position, so the checkpoint never claims a transaction that is only partly applied.
     */
    Drained drain() {
        Drained d = new Drained(pending, committedPosition, pendingSchemaChanges);
        pending = new ArrayList<>();
        pendingSchemaChanges = new ArrayList<>();
        pendingRows = 0;
        positionPending = false;
        cutInTransaction |= inTransaction;
        return d;
    }

    record Drained(List<Change> changes, Lsn position, List<SchemaChange> schemaChanges) {}

    @Override
    public void onBegin(BeginMessage m) {
        inTransaction = true;
        transactionCommit = m.finalLsn();
        transactionXid = m.xid();
        // The commit record of an applied transaction lies before its end, which is what the
        // checkpoint holds; the next transaction's commit record can start exactly there.
        skipping = resumeAfter.isValid() && m.finalLsn().compareTo(resumeAfter) < 0;
    }

    @Override
    public void onCommit(CommitMessage m) {
        inTransaction = false;
        lastCommitEnd = m.endLsn();
        if (skipping) {
            skipping = false;
            skippedTransactions++;
            return;
        }
        committedPosition = m.endLsn();
        if (cutInTransaction && pending.isEmpty()) {
            positionPending = true;
        }
        cutInTransaction = false;
    }

    @Override
    public void onRelation(RelationMessage m) {
        TableId table = Relation.tableId(m);
        if (followed != null) {
            Followed f = followed.get(m.relationOid());
            if (f == null) {
                // Another table, even one that has the name of a followed table now: the one the
                // mirror follows was renamed or dropped, and the source tables' check says which.
                relations.put(m.relationOid(), Relation.skipped(m, table));
                return;
            }
            notice(f, m, table);
            relations.put(m.relationOid(), Relation.of(m, typeNames, f.table, relationKeys.of(m.relationOid()),
                    relationAttributes.of(m)));
            return;
        }
        // Type lookups only for the tables delivered; the others need their id alone.
        relations.put(m.relationOid(), tables.isEmpty() || tables.contains(table)
                ? Relation.of(m, typeNames, table, relationKeys.of(m.relationOid()), relationAttributes.of(m))
                : Relation.skipped(m, table));
    }

    /**
     * Notices how a followed table's Relation message differs from what the stream knew: another
     * name is a rename; a column gone while none appeared is a dropped column (one gone while
     * another appeared may be a renamed column, which is not decided here). In a transaction the
     * destination has already, only what the stream knows is updated: the history has it.
     */
    private void notice(Followed f, RelationMessage m, TableId name) {
        List<String> columns = m.columns().stream().map(RelationColumn::name).toList();
        if (!skipping) {
            if (!name.equals(f.knownName)) {
                pendingSchemaChanges.add(new SchemaChange(f.table, SchemaChange.Kind.TABLE_RENAMED,
                        f.knownName.toString(), name.toString(), transactionCommit.toString()));
            }
            // The columns read at the start only say what a transaction committed after they
            // were read must have; an older transaction may predate columns added since.
            if (!f.columnsFromStart || transactionCommit.compareTo(shapesReadAt) > 0) {
                Set<String> gone = new LinkedHashSet<>(f.columns);
                gone.removeAll(columns);
                if (!gone.isEmpty() && f.columns.containsAll(columns)) {
                    for (String column : gone) {
                        pendingSchemaChanges.add(new SchemaChange(f.table, SchemaChange.Kind.COLUMN_DROPPED, column,
                                null, null));
                    }
                }
            }
        }
        f.knownName = name;
        f.columns = columns;
        f.columnsFromStart = false;
    }

    /** What the stream knows about a followed table, updated by every Relation message of it. */
    private static final class Followed {
        final TableId table;
        TableId knownName;
        List<String> columns;
        boolean columnsFromStart = true;

        Followed(FollowedTables.Table t) {
            this.table = t.table();
            this.knownName = t.knownName();
            this.columns = t.columns();
        }
    }

    /**
     * The relation of a change to deliver, or null when the change is skipped: it belongs to a
     * replayed transaction, or to a table that is not the mirror's.
     */
    private Relation delivered(int relationOid) {
        if (skipping) {
            return null;
        }
        Relation relation = relation(relationOid);
        return relation.skipped() ? null : relation;
    }

    @Override
    public void onInsert(InsertMessage m) {
        Relation relation = delivered(m.relationOid());
        if (relation == null) {
            return;
        }
        Value[] values = values(m.newTuple());
        TableSchema schema = schemaFor(m.relationOid(), relation, values);
        add(new Change.Row(schema, Change.Kind.INSERT, values, null));
    }

    @Override
    public void onUpdate(UpdateMessage m) {
        Relation relation = delivered(m.relationOid());
        if (relation == null) {
            return;
        }
        Value[] values = values(m.newTuple());
        TableSchema schema = schemaFor(m.relationOid(), relation, values);
        Value[] oldValues = null;
        if (m.oldTuple().isPresent()) {
            Value[] old = values(m.oldTuple().get().data());
            // Under REPLICA IDENTITY FULL the old row comes with every update, and an unchanged
            // key that is stored out of line comes as the old key while the new row says
            // "unchanged" for it: only a key whose values differ is an old row to delete.
            fillUnchangedKey(schema, values, old);
            if (!sameKey(schema, old, values)) {
                oldValues = old;
            }
        }
        add(new Change.Row(schema, Change.Kind.UPDATE, values, oldValues));
    }

    @Override
    public void onDelete(DeleteMessage m) {
        Relation relation = delivered(m.relationOid());
        if (relation == null) {
            return;
        }
        add(new Change.Row(relation.schema(), Change.Kind.DELETE, values(m.oldTuple().data()), null));
    }

    @Override
    public void onTruncate(TruncateMessage m) {
        for (int oid : m.relationOids()) {
            truncated.add(new Truncated(transactionXid, oid));
        }
        if (skipping) {
            return;
        }
        List<TableId> truncated = new ArrayList<>();
        for (int oid : m.relationOids()) {
            if (!relation(oid).skipped()) {
                truncated.add(relation(oid).schema().id());
            }
        }
        if (!truncated.isEmpty()) {
            pending.add(new Change.Truncate(truncated));
        }
    }

    @Override
    public void onType(TypeMessage m) {
        // Type names come from format_type when a Relation message arrives.
    }

    @Override
    public void onOrigin(OriginMessage m) {
        // Where a replayed transaction came from does not change how it is applied.
    }

    @Override
    public void onLogicalDecodingMessage(LogicalDecodingMessage m) {
        // Heartbeats (ours) and other applications' messages carry no rows; the position they
        // move the stream to is picked up from the stream itself.
    }

    @Override
    public void onStreamStart(StreamStartMessage m) {
        throw unexpected("Stream Start");
    }

    @Override
    public void onStreamStop(StreamStopMessage m) {
        throw unexpected("Stream Stop");
    }

    @Override
    public void onStreamCommit(StreamCommitMessage m) {
        throw unexpected("Stream Commit");
    }

    @Override
    public void onStreamAbort(StreamAbortMessage m) {
        throw unexpected("Stream Abort");
    }

    private static IllegalStateException unexpected(String message) {
        return new IllegalStateException("received a pgoutput " + message
                + " message although the slot was started without streaming; this is a bug in mirrorflow");
    }

    private void add(Change.Row row) {
        pending.add(row);
        pendingRows++;
    }

    private Relation relation(int oid) {
        Relation relation = relations.get(oid);
        if (relation == null) {
            throw new IllegalStateException("a change for relation oid " + oid
                    + " arrived before its Relation message; the replication stream is out of order");
        }
        return relation;
    }

    /**
     * The schema of a new row of relation {@code oid}. An enum that gained a label at the source
     * sends no new Relation message, so a label the schema does not know makes the relation's
     * enum types be read again: the new schema then tells the destination to add the label.
     */
    private TableSchema schemaFor(int oid, Relation relation, Value[] values) {
        if (relation.knowsEnumLabels(values)) {
            return relation.schema();
        }
        for (int column : relation.enumColumns()) {
            typeNames.forget(relation.message().columns().get(column).typeOid());
        }
        Relation reread = Relation.of(relation.message(), typeNames, relation.schema().id(), relation.key(),
                relationAttributes.of(relation.message()));
        relations.put(oid, reread);
        return reread.schema();
    }

    /**
     * A relation as its last Relation message described it, with the labels of its enum (and
     * enum array) columns at hand to check values against.
     */
    private record Relation(RelationMessage message, TableSchema schema, List<String> key, int[] enumColumns,
            List<Set<String>> enumLabels, boolean[] enumArrays, boolean skipped) {

        static TableId tableId(RelationMessage m) {
            return new TableId(m.namespace().isEmpty() ? "pg_catalog" : m.namespace(), m.name());
        }

        /** A relation whose changes are skipped: only its id is known. */
        static Relation skipped(RelationMessage m, TableId table) {
            return new Relation(m, new TableSchema(table, List.of()), List.of(), new int[0], List.of(), new boolean[0],
                    true);
        }

        /**
         * @param table the id the relation's changes carry (the spec's, for a followed table)
         * @param key the key's column names in key order, from {@link RelationKeys}
         * @param attributes the message's columns as the catalog knows them now: a column is
         *     named as it is called now, so that a change made before a rename goes to the
         *     renamed column, and carries what a destination needs to add it
         */
        static Relation of(RelationMessage m, TypeNames typeNames, TableId table, List<String> key,
                List<RelationAttributes.Attribute> attributes) {
            List<ColumnSchema> columns = new ArrayList<>(m.columns().size());
            List<Integer> enumColumns = new ArrayList<>();
            List<Set<String>> enumLabels = new ArrayList<>();
            List<Boolean> enumArrays = new ArrayList<>();
            for (RelationColumn c : m.columns()) {
                RelationAttributes.Attribute attribute = attributes.get(columns.size());
                TypeNames.Type type = typeNames.type(c.typeOid(), c.typeModifier());
                if (!type.enumLabels().isEmpty()) {
                    enumColumns.add(columns.size());
                    enumLabels.add(Set.copyOf(type.enumLabels()));
                    enumArrays.add(type.name().endsWith("]"));
                }
                columns.add(new ColumnSchema(attribute.name(), type.name(), true, key.indexOf(attribute.name()) + 1,
                        type.enumLabels(), attribute.number(), null, attribute.existingRows()));
            }
            boolean[] arrays = new boolean[enumArrays.size()];
            for (int i = 0; i < arrays.length; i++) {
                arrays[i] = enumArrays.get(i);
            }
            return new Relation(m, new TableSchema(table, columns), List.copyOf(key),
                    enumColumns.stream().mapToInt(Integer::intValue).toArray(), enumLabels, arrays, false);
        }

        /** Whether every enum value of the row is a label this relation's schema has. */
        boolean knowsEnumLabels(Value[] values) {
            for (int i = 0; i < enumColumns.length; i++) {
                int column = enumColumns[i];
                if (column < values.length && values[column] instanceof Value.Text text
                        && !EnumValues.allKnown(text.text(), enumLabels.get(i), enumArrays[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static Value[] values(TupleData tuple) {
        Value[] values = new Value[tuple.size()];
        for (int i = 0; i < values.length; i++) {
            ColumnValue v = tuple.column(i);
            if (v instanceof ColumnValue.Text t) {
                values[i] = Value.text(t.text());
            } else if (v instanceof ColumnValue.Null) {
                values[i] = Value.NULL;
            } else if (v instanceof ColumnValue.UnchangedToast) {
                values[i] = Value.UNCHANGED;
            } else {
                throw new IllegalStateException("received a binary column value although the slot was started "
                        + "in text mode; this is a bug in mirrorflow");
            }
        }
        return values;
    }

    /** Whether two rows of {@code schema} have the same values in its key columns. */
    private static boolean sameKey(TableSchema schema, Value[] a, Value[] b) {
        List<ColumnSchema> columns = schema.columns();
        for (int i = 0; i < columns.size() && i < a.length && i < b.length; i++) {
            if (columns.get(i).isKey() && !a[i].equals(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** Takes key values the new row left "unchanged" (stored out of line) from the old row. */
    private static void fillUnchangedKey(TableSchema schema, Value[] values, Value[] old) {
        List<ColumnSchema> columns = schema.columns();
        for (int i = 0; i < columns.size() && i < values.length && i < old.length; i++) {
            if (columns.get(i).isKey() && values[i] instanceof Value.Unchanged && old[i] instanceof Value.Text) {
                values[i] = old[i];
            }
        }
    }
}
