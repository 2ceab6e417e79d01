package dev.mirrorflow.connector.mongo.snapshot;

import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * One range of a collection's {@code _id}s for the initial load: {@code rangeStart <= _id <
 * rangeEnd}, each bound the canonical Extended JSON of an {@code _id} value ({@code {"$oid":
 * "..."}}, {@code {"$numberInt": "5"}}, {@code "abc"}), or null for open-ended. That text is what
 * the catalog's {@code snapshot_partitions(range_start text, range_end text)} holds.
 *
 * <p>A collection's partitions together hold each document exactly once, whatever the types of
 * its {@code _id}s: the first partition is everything not at or above the first bound (MongoDB's
 * range operators only match values of the bound's type, so documents whose {@code _id} has
 * another type, or is NaN, fall into it and into no other).
 *
 * @param index 0-based position in the collection's plan
 */
public record IdPartition(int index, String rangeStart, String rangeEnd) {

    /** The only partition of a collection that is not split. */
    public static IdPartition whole() {
        return new IdPartition(0, null, null);
    }

    /** The {@code find} filter that selects this partition's documents. */
    public BsonDocument filter() {
        if (rangeStart == null && rangeEnd == null) {
            return new BsonDocument();
        }
        if (rangeStart == null) {
            // Not ">= end" rather than "< end": it also holds the _ids of other types, which ranges never match.
            return new BsonDocument("_id", new BsonDocument("$not", new BsonDocument("$gte", bound(rangeEnd))));
        }
        BsonDocument id = new BsonDocument("$gte", bound(rangeStart));
        if (rangeEnd != null) {
            id.append("$lt", bound(rangeEnd));
        }
        return new BsonDocument("_id", id);
    }

    /** Whether the partition is the whole collection. */
    public boolean isWhole() {
        return rangeStart == null && rangeEnd == null;
    }

    private static BsonValue bound(String text) {
        return DocumentMapping.parseCanonicalJson(text);
    }

    /** For messages: {@code [start, end)} with open ends written as {@code ..}. */
    @Override
    public String toString() {
        return "partition " + index + " [" + (rangeStart == null ? ".." : rangeStart) + ", "
                + (rangeEnd == null ? ".." : rangeEnd) + ")";
    }
}
