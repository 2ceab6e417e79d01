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
 * @param linger the spec's {@code batchLinger}: below {@code idleTimeout}, a partly filled batch
 *     also closes, at a transaction boundary, as soon as every event the server has sent is read
 *     (the server's wait for more, up to {@link MongoChangeStream#MAX_AWAIT_MILLIS} ms on a quiet
 *     stream, is the linger: a change stream cannot be asked whether more is on the way without
 *     it); at or above {@code idleTimeout}, partly filled batches wait for {@code idleTimeout}
 */
public record MongoStreamSettings(String mirror, List<DocumentMapping> collections, int maxBatchRows,
        Duration idleTimeout, Duration quietPositionInterval, long maxBatchBytes, Duration linger) {

    /** Settings with the default bound on a batch's bytes and no linger. */
    public MongoStreamSettings(String mirror, List<DocumentMapping> collections, int maxBatchRows,
            Duration idleTimeout, Duration quietPositionInterval) {
        this(mirror, collections, maxBatchRows, idleTimeout, quietPositionInterval,
                dev.mirrorflow.model.MirrorSpec.DEFAULT_BATCH_BYTES);
    }

    /** Settings without a linger: partly filled batches close at {@code idleTimeout}. */
    public MongoStreamSettings(String mirror, List<DocumentMapping> collections, int maxBatchRows,
            Duration idleTimeout, Duration quietPositionInterval, long maxBatchBytes) {
        this(mirror, collections, maxBatchRows, idleTimeout, quietPositionInterval, maxBatchBytes, idleTimeout);
    }

    /** Whether a partly filled batch closes once the server's events are read ({@link #linger}). */
    boolean lingers() {
        return linger.compareTo(idleTimeout) < 0;
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
        Objects.requireNonNull(linger, "linger");
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
