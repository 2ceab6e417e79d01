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
 * thread uses a reader; several readers may read one collection's partitions in parallel.
 */
public final class IdPartitionReader {

    private static final Logger log = LoggerFactory.getLogger(IdPartitionReader.class);
    private static final BsonDocument BY_ID = new BsonDocument("_id", new BsonInt32(1));
    /** How many times one partition's read reopens its cursor before it gives up. */
    static final int MAX_REOPENS = 5;
    private static final int BEAT_EVERY_ROWS = 1_000;
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
        long rows = 0;
        // The last document handed over; its _id is looked up only when a cursor must be reopened.
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
                        continue; // The reopened cursor starts at the last _id handed over (min() is inclusive).
                    }
                    first = false;
                    sink.accept(mapping.row(document));
                    lastDocument = document;
                    rows++;
                    if (rows % BEAT_EVERY_ROWS == 0) {
                        heartbeat.beat(rows);
                    }
                }
                return rows;
            } catch (MongoCursorNotFoundException | MongoSocketException e) {
                if (++reopens > MAX_REOPENS) {
                    throw new MongoSourceException(Problem.UNAVAILABLE, "reading " + where(partition)
                            + " failed " + reopens + " times (" + e.getMessage() + "); retrying", e);
                }
                log.warn("reading {} lost its cursor after {} documents ({}); continuing after the last _id",
                        where(partition), rows, e instanceof MongoCursorNotFoundException c ? c.getErrorMessage()
                                : firstLine(e.getMessage()));
            } catch (MongoException e) {
                throw new MongoSourceException(e.getCode() == 13 ? Problem.NOT_AUTHORIZED : Problem.OTHER,
                        "reading " + where(partition) + " failed (code " + e.getCode() + ": " + firstLine(e.getMessage())
                                + ")" + (e.getCode() == 13 ? "; grant the source's user find on it" : "; retrying"), e);
            }
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

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
