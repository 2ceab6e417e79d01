package dev.mirrorflow.connector.mongo.stream;

import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.mongo.MongoSourceException;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one change event means for a mirror: a row to apply, nothing, or the end of the mirror.
 * Immutable; safe from any thread.
 */
public final class ChangeEvents {

    private static final Logger log = LoggerFactory.getLogger(ChangeEvents.class);

    private final String mirror;
    private final Map<TableId, DocumentMapping> mappings;

    /** @param mappings the mapped collections by source ({@code TableId(db, coll)}) */
    public ChangeEvents(String mirror, Map<TableId, DocumentMapping> mappings) {
        this.mirror = mirror;
        this.mappings = Map.copyOf(mappings);
    }

    /**
     * The row an event carries: insert -> INSERT, replace and update -> UPDATE with the whole
     * document (as the update lookup found it), delete -> DELETE of the {@code _id}. Nothing for an
     * update whose lookup found no document (it was deleted since; the delete follows), for other
     * collections' events and for event types that change no document.
     *
     * @throws MongoSourceException non-retryable, saying to resync, for a drop, rename or
     *     dropDatabase of a mapped collection, a rename onto one, and an invalidate
     */
    public Optional<Change.Row> toRow(ChangeStreamDocument<? extends BsonDocument> event) {
        String type = event.getOperationTypeString();
        BsonDocument ns = event.getNamespaceDocument();
        TableId collection = ns == null ? null : tableOf(ns);
        DocumentMapping mapping = collection == null ? null : mappings.get(collection);
        switch (type == null ? "" : type) {
            case "insert", "replace", "update" -> {
                BsonDocument document = event.getFullDocument();
                if (mapping == null || document == null) {
                    return Optional.empty();
                }
                return Optional.of(new Change.Row(mapping.schema(),
                        type.equals("insert") ? Change.Kind.INSERT : Change.Kind.UPDATE, mapping.row(document), null));
            }
            case "delete" -> {
                BsonDocument key = event.getDocumentKey();
                if (mapping == null || key == null || !key.containsKey(DocumentMapping.ID_COLUMN)) {
                    return Optional.empty();
                }
                return Optional.of(new Change.Row(mapping.schema(), Change.Kind.DELETE,
                        mapping.keyRow(key.get(DocumentMapping.ID_COLUMN)), null));
            }
            case "drop" -> {
                if (mapping != null) {
                    throw ended(Problem.COLLECTION_DROPPED, "collection " + written(collection) + " was dropped on the source");
                }
                return Optional.empty();
            }
            case "rename" -> {
                BsonDocument to = event.getDestinationNamespaceDocument();
                TableId target = to == null ? null : tableOf(to);
                if (mapping != null) {
                    throw ended(Problem.COLLECTION_RENAMED, "collection " + written(collection) + " was renamed to "
                            + (target == null ? "another name" : written(target)) + " on the source");
                }
                if (target != null && mappings.containsKey(target)) {
                    throw ended(Problem.COLLECTION_RENAMED, "collection " + (collection == null ? "?" : written(collection))
                            + " was renamed onto the mapped collection " + written(target)
                            + " on the source, replacing its documents");
                }
                return Optional.empty();
            }
            case "dropDatabase" -> {
                String database = ns == null ? "" : ns.getString("db", new BsonString("")).getValue();
                if (mappings.keySet().stream().anyMatch(t -> t.schema().equals(database))) {
                    throw ended(Problem.DATABASE_DROPPED, "database " + database + " was dropped on the source");
                }
                return Optional.empty();
            }
            case "invalidate" -> throw ended(Problem.STREAM_INVALIDATED, "the source invalidated the change stream"
                    + " (a mapped collection or its database was dropped or renamed)");
            default -> {
                log.debug("mirror {}: skipping a change event of type {}", mirror, type);
                return Optional.empty();
            }
        }
    }

    private MongoSourceException ended(Problem problem, String what) {
        return new MongoSourceException(problem, "mirror " + mirror + ": " + what
                + "; its changes can no longer be followed; run `mirrorflow mirror resync " + mirror + "` to reload it",
                null);
    }

    private static TableId tableOf(BsonDocument ns) {
        BsonValue db = ns.get("db");
        BsonValue coll = ns.get("coll");
        if (db == null || coll == null || !db.isString() || !coll.isString() || db.asString().getValue().isEmpty()
                || coll.asString().getValue().isEmpty()) {
            return null;
        }
        return new TableId(db.asString().getValue(), coll.asString().getValue());
    }

    private static String written(TableId collection) {
        return collection.schema() + "." + collection.name();
    }
}
