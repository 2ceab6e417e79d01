package dev.mirrorflow.connector.mongo.stream;

import com.mongodb.MongoException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import com.mongodb.client.model.changestream.FullDocument;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.MongoSourceException;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MongoDB change stream over a mirror's mapped collections, cut into {@link ChangeBatch}es of
 * {@link Change.Row}s as {@link DocumentMapping} shapes them.
 *
 * <p>The stream is opened on the narrowest level that covers the mapped collections (the
 * collection when there is one, its database when they share one, else the deployment), with
 * {@code fullDocument: updateLookup} and a {@code $match} that keeps only the mapped namespaces'
 * events (and those that would replace or remove a mapped collection). Inserts become INSERTs,
 * replaces and updates UPDATEs with the whole document as the lookup found it, deletes DELETEs of
 * the {@code _id}. An update whose lookup found nothing is skipped: the document was deleted
 * since, and that delete follows in the stream. A {@code drop}, {@code rename} or {@code
 * dropDatabase} of a mapped collection, a rename onto one, and an {@code invalidate} end the
 * stream with a non-retryable {@link MongoSourceException} that says to resync.
 *
 * <p>Positions are resume tokens as JSON text ({@link ResumeTokens}): a batch's position is the
 * token of its last event, and on a quiet stream an empty batch now and then carries the
 * post-batch resume token, which moves on with the oplog even when nothing mapped changes.
 * MongoDB keeps no per-reader state, so {@link #acknowledge} only records the position.
 *
 * <p>A batch closes when it holds {@code maxBatchRows} changes or its oldest change is {@code
 * idleTimeout} old, or, with a linger ({@link MongoStreamSettings#linger}), once every event the
 * server has sent is read, but never between two events of one multi-document transaction, so that the
 * destination shows a transaction whole or not at all (a batch may then exceed {@code
 * maxBatchRows} by the size of that transaction).
 *
 * <p>One thread uses a stream ({@link #nextBatch} polls the server in steps of at most {@value
 * #MAX_AWAIT_MILLIS} ms); the {@link MongoClient} belongs to the caller, who closes it after
 * the stream.
 */
public final class MongoChangeStream implements ChangeStream {

    private static final Logger log = LoggerFactory.getLogger(MongoChangeStream.class);

    /** How long one poll waits on the server for events; bounds the time between ticks. */
    static final long MAX_AWAIT_MILLIS = 500;

    /** MongoDB's {@code ChangeStreamFatalError}: among others, "the resume token was not found". */
    static final int CHANGE_STREAM_FATAL_ERROR = 280;

    private final MongoClient client;
    private final MongoStreamSettings settings;
    private final Map<TableId, DocumentMapping> mappings;
    private final ChangeEvents events;
    private MongoChangeStreamCursor<ChangeStreamDocument<RawBsonDocument>> cursor;

    /** The changes of the batch being filled; kept across calls so that a stopped call loses nothing. */
    private final List<Change> pending = new ArrayList<>();
    /** The position after the last event read (null until one is read past the last batch handed out). */
    private BsonDocument pendingPosition;
    private long oldestPendingNanos;
    /** The characters of the pending rows' values: about their bytes in the heap. */
    private long pendingBytes;
    /** The transaction of the last event read into the pending batch, or null when it had none. */
    private String pendingTransaction;
    /** An event read from the cursor that starts the next batch. */
    private ChangeStreamDocument<RawBsonDocument> carried;
    /** The position of the last batch handed out, or the one the stream was opened at. */
    private String deliveredPosition;
    private long lastDeliveredNanos = System.nanoTime();
    private volatile String confirmedPosition;
    private long nextBatchId;

    private MongoChangeStream(MongoClient client, MongoStreamSettings settings, long firstBatchId) {
        this.client = client;
        this.settings = settings;
        this.mappings = settings.bySource();
        this.events = new ChangeEvents(settings.mirror(), mappings);
        this.nextBatchId = firstBatchId;
    }

    /**
     * Opens the stream after {@code resumeAfter}, or, when it is null, at the server's present
     * (then {@link #confirmedPosition()} is the token it started at). Blocks for the round trips
     * of opening the stream. A position whose event the server cannot find ("resume token not
     * found", 280) is resumed at the position's cluster time instead, which replays the events of
     * that second onto the destination's idempotent apply, unless the oplog's first entry is newer
     * than that time (the skipped history would be lost silently): then {@link Problem#HISTORY_LOST}.
     *
     * @param firstBatchId the id of the first batch this stream hands out
     * @throws MongoSourceException non-retryable {@link Problem#HISTORY_LOST} when the oplog no
     *     longer holds the position; retryable when the server cannot be reached
     */
    public static MongoChangeStream open(MongoClient client, MongoStreamSettings settings, String resumeAfter,
            long firstBatchId) {
        MongoChangeStream stream = new MongoChangeStream(client, settings, firstBatchId);
        stream.start(resumeAfter);
        return stream;
    }

    /**
     * The position a new mirror starts from, taken before its initial load reads any document:
     * opens the stream over the mapped collections, polls it once, and returns the post-batch
     * resume token (the server's present). Setup saves it durably, then loads; a stream opened
     * from it later yields every change made after this call returned. Blocks for a few round
     * trips; idempotent (each call gives a token at least as new as the previous one).
     */
    public static String startToken(MongoClient client, MongoStreamSettings settings) {
        MongoChangeStream stream = new MongoChangeStream(client, settings, 0);
        try {
            stream.start(null);
            return stream.confirmedPosition();
        } finally {
            stream.close();
        }
    }

    private void start(String resumeAfter) {
        if (resumeAfter == null) {
            cursor = openCursor(null, null);
            BsonDocument token = cursor.getResumeToken();
            if (token == null) {
                // A server that sends no post-batch resume token with its first reply gives one after a poll.
                // The stream then starts after what that poll returned: the position is the token after it,
                // so the event (if one came) is behind the position, not in a batch, exactly as for a later open.
                ChangeStreamDocument<RawBsonDocument> first = poll();
                token = first == null ? cursor.getResumeToken() : first.getResumeToken();
            }
            if (token == null) {
                throw new MongoSourceException(Problem.OTHER, "mirror " + settings.mirror() + ": the MongoDB server"
                        + " gave no resume token for a new change stream; try again", null);
            }
            deliveredPosition = ResumeTokens.position(token);
        } else {
            BsonDocument token = ResumeTokens.parse(resumeAfter);
            try {
                cursor = openCursor(token, null);
            } catch (MongoSourceException e) {
                if (!(e.getCause() instanceof MongoException m && tokenNotFound(m))) {
                    throw e;
                }
                reopenAtClusterTime(resumeAfter, m);
            }
            deliveredPosition = resumeAfter;
        }
        confirmedPosition = deliveredPosition;
    }

    @Override
    public Optional<ChangeBatch> nextBatch(BooleanSupplier stop, Runnable tick) throws InterruptedException {
        while (true) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (stop.getAsBoolean()) {
                return Optional.empty();
            }
            tick.run();
            ChangeStreamDocument<RawBsonDocument> event = carried != null ? carried : poll();
            carried = null;
            long now = System.nanoTime();
            if (event != null) {
                String transaction = transactionOf(event);
                boolean continuesTransaction = transaction != null && transaction.equals(pendingTransaction);
                if (!pending.isEmpty() && !continuesTransaction && batchDue(now)) {
                    // A batch ends between transactions, never inside one: this event starts the next batch.
                    carried = event;
                    return Optional.of(deliver(ResumeTokens.position(pendingPosition)));
                }
                handle(event);
                pendingTransaction = transaction;
            }
            if (!pending.isEmpty()) {
                // With no event waiting, the last transaction read is complete (its events are all in the
                // oplog at commit); an event outside any transaction ends one by itself.
                boolean atBoundary = event == null || pendingTransaction == null;
                // With a linger, a batch also closes once the server's events are all read: the
                // server had nothing more when it answered (a quiet stream's next poll waits for it).
                boolean sourceQuiet = settings.lingers() && (event == null || cursor.available() == 0);
                if (atBoundary && (batchDue(now) || sourceQuiet)) {
                    return Optional.of(deliver(ResumeTokens.position(pendingPosition)));
                }
                continue;
            }
            if (now - lastDeliveredNanos >= settings.quietPositionInterval().toNanos()) {
                // After the last event returned, or the post-batch resume token when the server's batch is used up.
                BsonDocument token = cursor.getResumeToken();
                if (token != null && !ResumeTokens.position(token).equals(deliveredPosition)) {
                    return Optional.of(deliver(ResumeTokens.position(token)));
                }
            }
        }
    }

    private boolean batchDue(long now) {
        return pending.size() >= settings.maxBatchRows() || pendingBytes >= settings.maxBatchBytes()
                || now - oldestPendingNanos >= settings.idleTimeout().toNanos();
    }

    /** The multi-document transaction an event belongs to (its session and transaction number), or null. */
    private static String transactionOf(ChangeStreamDocument<RawBsonDocument> event) {
        if (event.getLsid() == null || event.getTxnNumber() == null) {
            return null;
        }
        return event.getLsid().toJson() + "#" + event.getTxnNumber().getValue();
    }

    private ChangeBatch deliver(String position) {
        ChangeBatch batch = new ChangeBatch(nextBatchId++, pending, position);
        pending.clear();
        pendingBytes = 0;
        pendingPosition = null;
        pendingTransaction = null;
        deliveredPosition = position;
        lastDeliveredNanos = System.nanoTime();
        return batch;
    }

    /** Adds the event's row (if any) to the pending batch, or ends the stream for events that end the mirror. */
    private void handle(ChangeStreamDocument<RawBsonDocument> event) {
        Optional<Change.Row> row = events.toRow(event);
        if (row.isPresent()) {
            if (pending.isEmpty()) {
                oldestPendingNanos = System.nanoTime();
            }
            pending.add(row.get());
            for (Value value : row.get().values()) {
                if (value instanceof Value.Text text) {
                    pendingBytes += text.text().length();
                }
            }
        }
        pendingPosition = event.getResumeToken();
    }

    private ChangeStreamDocument<RawBsonDocument> poll() {
        try {
            return cursor.tryNext();
        } catch (MongoException e) {
            if (!tokenNotFound(e)) {
                throw classify(e, "reading the change stream");
            }
            // The driver resumed after a network error from a token the server no longer finds: reopen at its time.
            closeCursor();
            reopenAtClusterTime(pendingPosition != null ? ResumeTokens.position(pendingPosition) : deliveredPosition, e);
            try {
                return cursor.tryNext();
            } catch (MongoException again) {
                throw classify(again, "reading the change stream");
            }
        }
    }

    private void reopenAtClusterTime(String position, MongoException notFound) {
        BsonTimestamp at = ResumeTokens.clusterTime(position);
        // Reopening at a time the oplog no longer reaches back to would skip what was truncated without a word;
        // the server refuses such a start too (286), but a position past the oplog's start is the one proof.
        Optional<BsonTimestamp> oldest = oldestOplogEntry();
        if (oldest.isPresent() && oldest.get().compareTo(at) > 0) {
            throw MongoStreamFailures.historyLost(settings.mirror(), notFound);
        }
        log.warn("mirror {}: the source did not find the resume token {} ({}); resuming at its cluster time {}"
                + " instead, which replays that second's changes", settings.mirror(), position,
                notFound.getMessage(), ResumeTokens.instant(at));
        cursor = openCursor(null, at);
    }

    /**
     * The time of the oldest entry in the source's oplog, or empty when this user may not read
     * {@code local.oplog.rs} (then the server's own check against its oplog start stands alone).
     */
    private Optional<BsonTimestamp> oldestOplogEntry() {
        try {
            BsonDocument first = client.getDatabase("local").getCollection("oplog.rs", BsonDocument.class).find()
                    .sort(new BsonDocument("$natural", new BsonInt32(1)))
                    .projection(new BsonDocument("ts", new BsonInt32(1))).limit(1).first();
            return first == null || !first.isTimestamp("ts") ? Optional.empty() : Optional.of(first.getTimestamp("ts"));
        } catch (MongoException e) {
            log.debug("mirror {}: cannot read the oplog's first entry: {}", settings.mirror(), e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean tokenNotFound(MongoException e) {
        return e.getCode() == CHANGE_STREAM_FATAL_ERROR && e.getMessage() != null
                && e.getMessage().contains("resume token was not found");
    }

    private MongoChangeStreamCursor<ChangeStreamDocument<RawBsonDocument>> openCursor(BsonDocument resumeAfter,
            BsonTimestamp startAt) {
        List<BsonDocument> pipeline = List.of(new BsonDocument("$match", filter()));
        Set<String> databases = new LinkedHashSet<>();
        mappings.keySet().forEach(t -> databases.add(t.schema()));
        // Full documents stay raw: the mapping writes their JSON straight from the bytes.
        ChangeStreamIterable<RawBsonDocument> iterable;
        if (mappings.size() == 1) {
            TableId only = mappings.keySet().iterator().next();
            iterable = client.getDatabase(only.schema()).getCollection(only.name(), BsonDocument.class)
                    .watch(pipeline, RawBsonDocument.class);
        } else if (databases.size() == 1) {
            iterable = client.getDatabase(databases.iterator().next()).watch(pipeline, RawBsonDocument.class);
        } else {
            iterable = client.watch(pipeline, RawBsonDocument.class);
        }
        iterable = iterable.fullDocument(FullDocument.UPDATE_LOOKUP)
                .maxAwaitTime(MAX_AWAIT_MILLIS, TimeUnit.MILLISECONDS)
                .batchSize(Math.min(settings.maxBatchRows(), 10_000));
        if (resumeAfter != null) {
            iterable = iterable.resumeAfter(resumeAfter);
        } else if (startAt != null) {
            iterable = iterable.startAtOperationTime(startAt);
        }
        try {
            return iterable.cursor();
        } catch (MongoException e) {
            throw classify(e, "opening the change stream");
        }
    }

    /** The mapped namespaces' events, renames onto them, their databases' drops, and invalidations. */
    private BsonDocument filter() {
        Map<String, BsonArray> collectionsByDatabase = new LinkedHashMap<>();
        for (TableId table : mappings.keySet()) {
            collectionsByDatabase.computeIfAbsent(table.schema(), d -> new BsonArray()).add(new BsonString(table.name()));
        }
        BsonArray or = new BsonArray();
        for (Map.Entry<String, BsonArray> database : collectionsByDatabase.entrySet()) {
            BsonDocument in = new BsonDocument("$in", database.getValue());
            or.add(new BsonDocument("ns.db", new BsonString(database.getKey())).append("ns.coll", in));
            or.add(new BsonDocument("to.db", new BsonString(database.getKey())).append("to.coll", in.clone()));
            or.add(new BsonDocument("operationType", new BsonString("dropDatabase"))
                    .append("ns.db", new BsonString(database.getKey())));
        }
        or.add(new BsonDocument("operationType", new BsonString("invalidate")));
        return new BsonDocument("$or", or);
    }

    private MongoSourceException classify(MongoException e, String action) {
        return MongoStreamFailures.classify(e, settings.mirror(), action);
    }

    @Override
    public void acknowledge(ChangeBatch batch) {
        confirmedPosition = batch.position();
    }

    @Override
    public String confirmedPosition() {
        return confirmedPosition;
    }

    @Override
    public void close() {
        closeCursor();
    }

    private void closeCursor() {
        if (cursor != null) {
            try {
                cursor.close();
            } catch (MongoException e) {
                log.debug("mirror {}: closing the change stream failed: {}", settings.mirror(), e.getMessage());
            }
        }
    }
}
