package dev.mirrorflow.connector.mongo.stream;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link MongoChangeStream} follows and how it cuts batches.
 *
 * @param mirror the mirror's name, for messages ({@code mirrorflow mirror resync NAME})
 * @param collections the mapped collections, one mapping each; the stream sees nothing else
 * @param maxBatchRows a batch closes when it holds this many row changes
 * @param idleTimeout a batch closes when its oldest change is this old, full or not
 * @param maxBatchBytes a batch also closes, between transactions, once its rows hold about this
 *     many bytes of JSON, so that large documents cannot fill the heap
 * @param quietPositionInterval on a quiet stream, how often an empty batch carries the moved
 *     position (the post-batch resume token), so that an idle mirror's checkpoint keeps up with
 *     the oplog without a destination transaction per poll
 */
public record MongoStreamSettings(String mirror, List<DocumentMapping> collections, int maxBatchRows,
        Duration idleTimeout, Duration quietPositionInterval, long maxBatchBytes) {

    /** Settings with the default bound on a batch's bytes. */
    public MongoStreamSettings(String mirror, List<DocumentMapping> collections, int maxBatchRows,
            Duration idleTimeout, Duration quietPositionInterval) {
        this(mirror, collections, maxBatchRows, idleTimeout, quietPositionInterval,
                dev.mirrorflow.model.MirrorSpec.DEFAULT_BATCH_BYTES);
    }

    public MongoStreamSettings {
        Objects.requireNonNull(mirror, "mirror");
        collections = List.copyOf(collections);
        if (collections.isEmpty()) {
            throw new IllegalArgumentException("a MongoDB change stream needs at least one mapped collection");
        }
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be at least 1");
        }
        if (maxBatchBytes < 1) {
            throw new IllegalArgumentException("maxBatchBytes must be positive");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(quietPositionInterval, "quietPositionInterval");
    }

    /** The mappings by source collection ({@code TableId(db, coll)}); a collection mapped twice is refused. */
    Map<TableId, DocumentMapping> bySource() {
        Map<TableId, DocumentMapping> bySource = new LinkedHashMap<>();
        for (DocumentMapping mapping : collections) {
            if (bySource.putIfAbsent(mapping.source(), mapping) != null) {
                throw new IllegalArgumentException("collection " + mapping.source().schema() + "."
                        + mapping.source().name() + " is mapped twice");
            }
        }
        return bySource;
    }
}
