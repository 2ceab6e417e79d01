package dev.mirrorflow.connector.mongo.snapshot;

import com.mongodb.MongoCursorNotFoundException;
import com.mongodb.MongoException;
import com.mongodb.MongoSocketException;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.MongoSourceException;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link IdPartition} of a collection as rows ({@link DocumentMapping#row}), in
 * {@code _id} order, with a {@code find} on the partition's range over the {@code _id} index.
 *
 * <p>Long reads survive what ends a cursor: the cursor has no idle timeout (the sink may be slow),
 * and when the server forgets it anyway (a session timeout, a restart) or the connection breaks,
 * the reader opens a new one just after the last {@code _id} it handed over (in index order,
 * whatever its type), so every document of the partition reaches the sink exactly once. One
 * thread uses a reader; several readers may read one collection's partitions in parallel. Each
 * read runs the cursor and the conversion on a thread of its own, a few thousand rows ahead of
 * the sink, which it ends with the read.
 */
public final class IdPartitionReader {

    private static final Logger log = LoggerFactory.getLogger(IdPartitionReader.class);
    private static final BsonDocument BY_ID = new BsonDocument("_id", new BsonInt32(1));
    /** How many times one partition's read reopens its cursor before it gives up. */
    static final int MAX_REOPENS = 5;
    private static final int CURSOR_NOT_FOUND = 43;
    private static final int CURSOR_KILLED = 237;
    private static final int BEAT_EVERY_ROWS = 1_000;
    /**
     * Rows handed from the read thread to the sink at a time (at most a server batch), and how many
     * such chunks may wait: the read runs at most a few batches ahead of the sink.
     */
    private static final int MAX_CHUNK_ROWS = 500;
    private static final int CHUNKS_AHEAD = 4;
    private static final long STOP_WAIT_MILLIS = 10_000;
    /** The read thread's last chunk (told apart by identity). */
    private static final List<Value[]> END = Collections.unmodifiableList(new ArrayList<>());
    /** Documents per server round trip of a load's reads. */
    public static final int DEFAULT_BATCH_SIZE = 1_000;

    /** Where the rows go, e.g. a destination's bulk load; it may throw to end the read. */
    @FunctionalInterface
    public interface RowSink<E extends Exception> {
        void accept(Value[] row) throws E;
    }

    private final MongoCollection<BsonDocument> collection;
    private final DocumentMapping mapping;
    private final int batchSize;
    private final int chunkRows;

    /**
     * @param batchSize documents per server round trip (e.g. 1000; the server caps a batch at 16 MB)
     */
    public IdPartitionReader(MongoCollection<BsonDocument> collection, DocumentMapping mapping, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.collection = collection;
        this.mapping = mapping;
        this.batchSize = batchSize;
        this.chunkRows = Math.min(MAX_CHUNK_ROWS, batchSize);
    }

    /**
     * Hands every document of the partition to {@code sink} as a row, in {@code _id} order, and
     * beats {@code heartbeat} with the count so far every thousand rows. Reads the whole
     * partition (a stop request is honoured between partitions, by the caller). Blocks for the
     * whole read.
     *
     * @return how many rows the sink took
     * @throws MongoSourceException when the source fails in a way a new cursor does not cure, or
     *     keeps failing; retryable when it could not be reached
     * @throws E what the sink threw
     */
    public <E extends Exception> long read(IdPartition partition, RowSink<E> sink, Heartbeat heartbeat) throws E {
        Prefetch prefetch = new Prefetch(partition);
        Thread thread = new Thread(prefetch::run, "mirrorflow-mongo-read-" + mapping.source() + "-" + partition.index());
        thread.setDaemon(true);
        thread.start();
        long rows = 0;
        try {
            while (true) {
                List<Value[]> chunk = prefetch.take();
                if (chunk == END) {
                    return rows;
                }
                for (Value[] row : chunk) {
                    sink.accept(row);
                    rows++;
                    if (rows % BEAT_EVERY_ROWS == 0) {
                        heartbeat.beat(rows);
                    }
                }
            }
        } finally {
            prefetch.stop();
            try {
                // After a failure the read thread ends at its next document or round trip.
                thread.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The partition's documents read and converted on a thread of their own, a few chunks ahead of
     * the sink, so that the server's round trips and the conversion overlap the sink's writes
     * instead of taking turns with them.
     */
    private final class Prefetch {

        private final IdPartition partition;
        private final BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
        private volatile boolean stopped;

        Prefetch(IdPartition partition) {
            this.partition = partition;
        }

        /** The next chunk of rows, or {@link #END}; throws what the read thread failed with. */
        @SuppressWarnings("unchecked")
        List<Value[]> take() {
            Object next;
            try {
                next = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MongoSourceException(Problem.OTHER, "reading " + where(partition) + " was interrupted", e);
            }
            if (next instanceof RuntimeException e) {
                throw e;
            }
            if (next instanceof Error e) {
                throw e;
            }
            return (List<Value[]>) next;
        }

        void stop() {
            stopped = true;
            chunks.clear();
        }

        void run() {
            try {
                read();
            } catch (Stopped e) {
                // The sink failed or the read is over; nobody takes chunks any more.
            } catch (RuntimeException | Error e) {
                try {
                    hand(e);
                } catch (Stopped ignored) {
                    // Nobody is left to tell.
                }
            }
        }

        private void read() {
            long rows = 0;
            List<Value[]> chunk = new ArrayList<>(chunkRows);
            // The last document converted; its _id is looked up only when a cursor must be reopened.
            RawBsonDocument lastDocument = null;
            int reopens = 0;
            while (true) {
                BsonValue last = lastDocument == null ? null : lastDocument.get(DocumentMapping.ID_COLUMN);
                try (MongoCursor<RawBsonDocument> cursor = open(partition, last).cursor()) {
                    boolean first = true;
                    while (cursor.hasNext()) {
                        RawBsonDocument document = cursor.next();
                        if (first && last != null && last.equals(document.get(DocumentMapping.ID_COLUMN))) {
                            first = false;
                            continue; // The reopened cursor starts at the last _id converted (min() is inclusive).
                        }
                        first = false;
                        chunk.add(mapping.row(document));
                        lastDocument = document;
                        rows++;
                        if (chunk.size() == chunkRows) {
                            hand(chunk);
                            chunk = new ArrayList<>(chunkRows);
                        }
                    }
                    if (!chunk.isEmpty()) {
                        hand(chunk);
                    }
                    hand(END);
                    return;
                } catch (MongoException e) {
                    if (stopped) {
                        throw new Stopped();
                    }
                    if (!cursorLost(e)) {
                        throw new MongoSourceException(e.getCode() == 13 ? Problem.NOT_AUTHORIZED : Problem.OTHER,
                                "reading " + where(partition) + " failed (code " + e.getCode() + ": "
                                        + firstLine(e.getMessage()) + ")"
                                        + (e.getCode() == 13 ? "; grant the source's user find on it" : "; retrying"), e);
                    }
                    if (++reopens > MAX_REOPENS) {
                        throw new MongoSourceException(Problem.UNAVAILABLE, "reading " + where(partition)
                                + " failed " + reopens + " times (" + e.getMessage() + "); retrying", e);
                    }
                    log.warn("reading {} lost its cursor after {} documents ({}); continuing after the last _id",
                            where(partition), rows, e instanceof MongoCursorNotFoundException c ? c.getErrorMessage()
                                    : firstLine(e.getMessage()));
                }
            }
        }

        /** Hands a chunk, {@link #END} or a failure over, waiting while the sink is behind. */
        private void hand(Object item) {
            try {
                while (!chunks.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    if (stopped) {
                        throw new Stopped();
                    }
                }
            } catch (InterruptedException e) {
                throw new Stopped();
            }
            if (stopped) {
                throw new Stopped();
            }
        }
    }

    /** Ends the read thread once the sink stopped taking chunks. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private FindIterable<RawBsonDocument> open(IdPartition partition, BsonValue after) {
        // Raw documents: the mapping writes JSON straight from their bytes, nothing is decoded twice.
        FindIterable<RawBsonDocument> find = collection.withDocumentClass(RawBsonDocument.class).find(partition.filter()).sort(BY_ID).hint(BY_ID)
                .batchSize(batchSize).noCursorTimeout(true);
        if (after != null) {
            // An index bound rather than "_id > after": range operators skip _ids of other types.
            find = find.min(new BsonDocument(DocumentMapping.ID_COLUMN, after));
        }
        return find;
    }

    private String where(IdPartition partition) {
        return mapping.source().schema() + "." + mapping.source().name() + " " + partition;
    }

    /**
     * Whether the server forgot the cursor or the connection went, so reading on after the last
     * {@code _id} loses and repeats nothing. A cursor killed between two round trips answers the
     * next {@code getMore} with CursorNotFound (43); one killed while a {@code getMore} was under
     * way fails that round trip with CursorKilled (237).
     */
    static boolean cursorLost(MongoException e) {
        return e instanceof MongoCursorNotFoundException || e instanceof MongoSocketException
                || e.getCode() == CURSOR_NOT_FOUND || e.getCode() == CURSOR_KILLED;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
