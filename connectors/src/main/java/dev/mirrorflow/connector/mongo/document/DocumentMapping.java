package dev.mirrorflow.connector.mongo.document;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.Value;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * How the documents of one MongoDB collection {@code db.coll} become rows of a destination table
 * with two columns: {@code _id text} (the primary key) and {@code doc jsonb} (the whole document).
 *
 * <p>{@code _id} is an ObjectId's 24-character hex, a string as it is, and any other value as
 * its canonical Extended JSON (so {@code 7} is {@code {"$numberInt": "7"}}, and a document id
 * keeps its field order). {@code doc} is the document in relaxed Extended JSON, so that dates
 * ({@code {"$date": ...}}), decimals ({@code {"$numberDecimal": ...}}) and binary values keep
 * their type, and 64-bit integers keep every digit (jsonb numbers are exact). The excluded
 * fields are removed from {@code doc} before it leaves this class; {@code _id} cannot be
 * excluded.
 *
 * <p>Immutable and safe to share between threads; it never changes the documents it is given.
 */
public final class DocumentMapping {

    public static final String ID_COLUMN = "_id";
    public static final String DOC_COLUMN = "doc";

    private static final BsonDocumentCodec DOCUMENT_CODEC = new BsonDocumentCodec();
    private static final JsonWriterSettings CANONICAL =
            JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    /** What {@link BsonDocument#toJson} writes before the value of a document's only field {@code v}. */
    private static final String SINGLE_FIELD_PREFIX = "{\"v\": ";

    private final TableSchema schema;
    private final List<String> exclude;
    /** The excluded paths as a tree: a field name to null (drop it) or to the paths under it. */
    private final Map<String, Object> excluded;

    /**
     * @param database the collection's database
     * @param collection the collection's name (it may contain dots)
     * @param exclude fields to drop, each a field name or a dotted path into sub-documents
     *     ({@code a.b}); as in a MongoDB projection, a path through an array applies to each
     *     document in it
     * @throws IllegalArgumentException with a one-line message when a path is empty, has an empty
     *     part, or excludes {@code _id}
     */
    public DocumentMapping(String database, String collection, List<String> exclude) {
        this.schema = new TableSchema(new TableId(database, collection), List.of(
                new ColumnSchema(ID_COLUMN, "text", false, 1),
                new ColumnSchema(DOC_COLUMN, "jsonb", true, 0)));
        this.exclude = List.copyOf(exclude);
        this.excluded = tree(database + "." + collection, this.exclude);
    }

    /** The table's shape: {@code _id text} (key position 1) and {@code doc jsonb} (nullable). */
    public TableSchema schema() {
        return schema;
    }

    public TableId source() {
        return schema.id();
    }

    /** The excluded paths as given. */
    public List<String> exclude() {
        return exclude;
    }

    /**
     * The row of a whole document: its {@code _id} as text and the document minus the excluded
     * fields as relaxed Extended JSON.
     *
     * @throws IllegalArgumentException when the document has no {@code _id}
     */
    public Value[] row(BsonDocument document) {
        RelaxedJsonEncoder.Encoded encoded = encode(document);
        String id = encoded.idText() != null ? encoded.idText()
                : encoded.idElement() != null ? canonicalJson(encoded.idElement().get(ID_COLUMN)) : null;
        if (id == null) {
            throw new IllegalArgumentException("a document of " + source() + " has no _id");
        }
        return new Value[] {Value.text(id), Value.text(encoded.json())};
    }

    /** The row a delete names: the {@code _id} as text and {@code doc} NULL. */
    public Value[] keyRow(BsonValue id) {
        return new Value[] {Value.text(idText(Objects.requireNonNull(id, "id"))), Value.NULL};
    }

    /**
     * The document minus the excluded fields, as relaxed Extended JSON: the text that
     * {@code BsonDocument.toJson(JsonMode.RELAXED)} writes for the document after the excluded
     * fields were removed, written straight from the document's BSON bytes
     * ({@link RelaxedJsonEncoder}). A {@link RawBsonDocument} (what the load reads) is written
     * from its own bytes; any other document is first encoded to BSON.
     */
    public String documentJson(BsonDocument document) {
        return encode(document).json();
    }

    private RelaxedJsonEncoder.Encoded encode(BsonDocument document) {
        RawBsonDocument raw = document instanceof RawBsonDocument r ? r : new RawBsonDocument(document, DOCUMENT_CODEC);
        ByteBuffer bytes = raw.getByteBuffer().asNIO();
        return RelaxedJsonEncoder.encode(bytes.array(), bytes.arrayOffset() + bytes.position(), excluded);
    }

    /**
     * A document id as the destination's {@code _id} text: an ObjectId's hex, a string as is,
     * anything else as its canonical Extended JSON.
     */
    public static String idText(BsonValue id) {
        if (id.isObjectId()) {
            return id.asObjectId().getValue().toHexString();
        }
        if (id.isString()) {
            return id.asString().getValue();
        }
        return canonicalJson(id);
    }

    /** One value (not only a document) as canonical Extended JSON, e.g. {@code {"$numberLong": "5"}}. */
    public static String canonicalJson(BsonValue value) {
        String json = new BsonDocument("v", value).toJson(CANONICAL);
        if (!json.startsWith(SINGLE_FIELD_PREFIX) || !json.endsWith("}")) {
            throw new IllegalStateException("unexpected Extended JSON layout: " + json);
        }
        return json.substring(SINGLE_FIELD_PREFIX.length(), json.length() - 1);
    }

    /** Reads back a value that {@link #canonicalJson} wrote. */
    public static BsonValue parseCanonicalJson(String json) {
        return BsonDocument.parse("{\"v\": " + json + "}").get("v");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tree(String collection, List<String> exclude) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (String path : exclude) {
            String[] parts = path.split("\\.", -1);
            for (String part : parts) {
                if (part.isEmpty()) {
                    throw new IllegalArgumentException("exclude of " + collection + ": '" + path
                            + "' is not a field path (write a field name or dotted names like a.b)");
                }
            }
            if (parts[0].equals(ID_COLUMN)) {
                throw new IllegalArgumentException("exclude of " + collection + ": _id cannot be excluded (it is the"
                        + " destination's primary key); remove '" + path + "' from exclude");
            }
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length; i++) {
                boolean last = i == parts.length - 1;
                if (node.containsKey(parts[i]) && node.get(parts[i]) == null) {
                    break; // A shorter path already drops the whole field.
                }
                if (last) {
                    node.put(parts[i], null);
                } else {
                    node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
                }
            }
        }
        return root;
    }
}
