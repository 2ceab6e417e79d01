package dev.mirrorflow.connector.mongo.snapshot;

import com.mongodb.client.MongoCollection;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonType;
import org.bson.BsonValue;

/**
 * Splits a collection into {@link IdPartition}s of about {@code documentsPerPartition} documents
 * each, by {@code _id}, for a parallel initial load.
 *
 * <p>Collections whose {@code _id}s are all ObjectIds, all numbers or all strings are split at
 * every {@code documentsPerPartition}-th {@code _id} in index order, found by skipping that many
 * keys of the {@code _id} index from the previous bound (an index-only scan, no admin command
 * like {@code splitVector} needed, and the whole plan reads each index key about once). A
 * collection with fewer documents than that (by its estimated count), or whose {@code _id}s mix
 * types, or are of another type, is one partition.
 *
 * <p>Planning reads the collection while it may change; that is safe because the change stream's
 * start position was taken before, so a document written meanwhile reaches the destination
 * through the stream whatever partition it falls into. Stateless; blocks for one query per
 * partition; may run on any thread.
 */
public final class IdPartitionPlanner {

    private static final BsonDocument BY_ID = new BsonDocument("_id", new BsonInt32(1));
    /** A collection is not split for parallelism into partitions smaller than this. */
    public static final long MIN_PARALLEL_PARTITION_DOCUMENTS = 10_000;

    private IdPartitionPlanner() {}

    /**
     * How many documents each partition of a collection holds under a spec's {@code snapshot}
     * settings: {@code rowsPerPartition}, or fewer when the collection has less than
     * {@code parallelism} such partitions, so that it still loads on {@code parallelism} streams
     * (the destination's COPY is the load's slowest part, and one stream keeps one destination
     * core busy), but never fewer than {@value #MIN_PARALLEL_PARTITION_DOCUMENTS} for that.
     *
     * @param estimatedDocuments the collection's estimated count
     */
    public static long documentsPerPartition(long estimatedDocuments, long rowsPerPartition, int parallelism) {
        long perStream = (Math.max(0, estimatedDocuments) + parallelism - 1) / Math.max(1, parallelism);
        return Math.min(rowsPerPartition, Math.max(MIN_PARALLEL_PARTITION_DOCUMENTS, perStream));
    }

    /** The kinds of {@code _id} that split into ranges; values of one kind compare with each other. */
    private enum IdKind {
        OBJECT_ID,
        NUMBER,
        STRING,
        OTHER
    }

    /**
     * @param documentsPerPartition about how many documents each partition holds (at least 1)
     * @return the partitions in {@code _id} order, their indexes 0, 1, ...; the first open-ended
     *     below, the last open-ended above
     */
    public static List<IdPartition> plan(MongoCollection<BsonDocument> collection, long documentsPerPartition) {
        if (documentsPerPartition < 1) {
            throw new IllegalArgumentException("documentsPerPartition must be at least 1");
        }
        if (collection.estimatedDocumentCount() <= documentsPerPartition) {
            return List.of(IdPartition.whole());
        }
        BsonValue lowest = edgeId(collection, 1);
        BsonValue highest = edgeId(collection, -1);
        if (lowest == null || highest == null) {
            return List.of(IdPartition.whole());
        }
        IdKind kind = kindOf(lowest);
        // The index sorts by type first, so equal kinds at both ends mean one kind throughout.
        if (kind == IdKind.OTHER || kindOf(highest) != kind) {
            return List.of(IdPartition.whole());
        }
        List<BsonValue> bounds = new ArrayList<>();
        BsonValue from = lowest;
        while (true) {
            BsonDocument next = collection.find(new BsonDocument("_id", new BsonDocument("$gte", from)))
                    .sort(BY_ID).projection(BY_ID).hint(BY_ID)
                    .skip((int) Math.min(Integer.MAX_VALUE, documentsPerPartition)).limit(1).first();
            if (next == null || kindOf(next.get("_id")) != kind) {
                break;
            }
            from = next.get("_id");
            bounds.add(from);
        }
        if (bounds.isEmpty()) {
            return List.of(IdPartition.whole());
        }
        List<IdPartition> partitions = new ArrayList<>();
        String start = null;
        for (BsonValue bound : bounds) {
            String end = DocumentMapping.canonicalJson(bound);
            partitions.add(new IdPartition(partitions.size(), start, end));
            start = end;
        }
        partitions.add(new IdPartition(partitions.size(), start, null));
        return partitions;
    }

    private static BsonValue edgeId(MongoCollection<BsonDocument> collection, int direction) {
        BsonDocument edge = collection.find().sort(new BsonDocument("_id", new BsonInt32(direction)))
                .projection(BY_ID).hint(BY_ID).limit(1).first();
        return edge == null ? null : edge.get("_id");
    }

    private static IdKind kindOf(BsonValue id) {
        BsonType type = id.getBsonType();
        return switch (type) {
            case OBJECT_ID -> IdKind.OBJECT_ID;
            case INT32, INT64, DOUBLE, DECIMAL128 -> id.isDouble() && Double.isNaN(id.asDouble().getValue())
                    ? IdKind.OTHER : IdKind.NUMBER;
            case STRING -> IdKind.STRING;
            default -> IdKind.OTHER;
        };
    }
}
