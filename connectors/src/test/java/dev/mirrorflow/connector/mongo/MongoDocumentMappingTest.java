package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import java.math.BigDecimal;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class MongoDocumentMappingTest {

    private static final DocumentMapping SHOP_ORDERS = new DocumentMapping("shop", "orders", List.of());

    @Test
    void shouldMapACollectionToAnIdTextKeyAndADocJsonbColumnOfTheSourceTable() {
        assertThat(SHOP_ORDERS.source()).isEqualTo(new TableId("shop", "orders"));
        assertThat(SHOP_ORDERS.schema().id()).isEqualTo(new TableId("shop", "orders"));
        assertThat(SHOP_ORDERS.schema().columns()).containsExactly(
                new ColumnSchema("_id", "text", false, 1), new ColumnSchema("doc", "jsonb", true, 0));
        assertThat(SHOP_ORDERS.schema().key()).extracting(ColumnSchema::name).containsExactly("_id");
        assertThat(new DocumentMapping("shop", "a.b", List.of()).source()).isEqualTo(new TableId("shop", "a.b"));
    }

    @Test
    void shouldWriteObjectIdsAsHexStringsAsTheyAreAndOtherIdsAsCanonicalExtendedJson() {
        ObjectId oid = new ObjectId("65a1b2c3d4e5f60718293a4b");
        assertThat(DocumentMapping.idText(new BsonObjectId(oid))).isEqualTo("65a1b2c3d4e5f60718293a4b");
        assertThat(DocumentMapping.idText(new BsonString("order-1"))).isEqualTo("order-1");
        assertThat(DocumentMapping.idText(new BsonString(""))).isEqualTo("");
        assertThat(DocumentMapping.idText(new BsonInt32(7))).isEqualTo("{\"$numberInt\": \"7\"}");
        assertThat(DocumentMapping.idText(new BsonInt64(7))).isEqualTo("{\"$numberLong\": \"7\"}");
        assertThat(DocumentMapping.idText(new BsonDouble(1.5))).isEqualTo("{\"$numberDouble\": \"1.5\"}");
        assertThat(DocumentMapping.idText(new BsonDecimal128(Decimal128.parse("12.30"))))
                .isEqualTo("{\"$numberDecimal\": \"12.30\"}");
        assertThat(DocumentMapping.idText(new BsonDateTime(0))).isEqualTo("{\"$date\": {\"$numberLong\": \"0\"}}");
        assertThat(DocumentMapping.idText(new BsonBinary(new byte[] {1, 2, 3})))
                .isEqualTo("{\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}}");
        assertThat(DocumentMapping.idText(new BsonDocument("region", new BsonString("eu")).append("n", new BsonInt32(1))))
                .isEqualTo("{\"region\": \"eu\", \"n\": {\"$numberInt\": \"1\"}}");
    }

    @Test
    void shouldReadBackEveryCanonicalValueItWrote() {
        List<org.bson.BsonValue> values = List.of(new BsonInt32(-3), new BsonInt64(Long.MAX_VALUE), new BsonDouble(0.1),
                new BsonString("a\"b"), new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")),
                new BsonDateTime(1_700_000_000_123L), new BsonDocument("a", new BsonInt32(1)));
        for (org.bson.BsonValue value : values) {
            assertThat(DocumentMapping.parseCanonicalJson(DocumentMapping.canonicalJson(value))).isEqualTo(value);
        }
    }

    @Test
    void shouldWriteTheWholeDocumentAsRelaxedExtendedJsonKeepingEveryTypeThatMatters() {
        BsonDocument document = new BsonDocument("_id", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("name", new BsonString("Zoë \"quoted\""))
                .append("qty", new BsonInt32(3))
                .append("big", new BsonInt64(9_007_199_254_740_993L))
                .append("price", new BsonDouble(19.5))
                .append("total", new BsonDecimal128(new Decimal128(new BigDecimal("1234567890.123456789"))))
                .append("at", new BsonDateTime(1_700_000_000_123L))
                .append("blob", new BsonBinary(BsonBinarySubType.BINARY, new byte[] {0, (byte) 255}))
                .append("uuid", new BsonBinary(BsonBinarySubType.UUID_STANDARD, new byte[16]))
                .append("ok", BsonBoolean.TRUE)
                .append("nothing", BsonNull.VALUE)
                .append("ts", new BsonTimestamp(1_700_000_000, 2))
                .append("address", new BsonDocument("city", new BsonString("Lyon")).append("zip", new BsonString("69001")))
                .append("tags", new BsonArray(List.of(new BsonString("a"), new BsonInt64(2), new BsonDocument("k", new BsonInt32(1)))));

        Value[] row = SHOP_ORDERS.row(document);

        assertThat(row).hasSize(2);
        assertThat(row[0]).isEqualTo(Value.text("65a1b2c3d4e5f60718293a4b"));
        assertThat(((Value.Text) row[1]).text()).isEqualTo("{"
                + "\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, "
                + "\"name\": \"Zoë \\\"quoted\\\"\", "
                + "\"qty\": 3, "
                + "\"big\": 9007199254740993, "
                + "\"price\": 19.5, "
                + "\"total\": {\"$numberDecimal\": \"1234567890.123456789\"}, "
                + "\"at\": {\"$date\": \"2023-11-14T22:13:20.123Z\"}, "
                + "\"blob\": {\"$binary\": {\"base64\": \"AP8=\", \"subType\": \"00\"}}, "
                + "\"uuid\": {\"$binary\": {\"base64\": \"AAAAAAAAAAAAAAAAAAAAAA==\", \"subType\": \"04\"}}, "
                + "\"ok\": true, "
                + "\"nothing\": null, "
                + "\"ts\": {\"$timestamp\": {\"t\": 1700000000, \"i\": 2}}, "
                + "\"address\": {\"city\": \"Lyon\", \"zip\": \"69001\"}, "
                + "\"tags\": [\"a\", 2, {\"k\": 1}]}");
        // Relaxed Extended JSON reads back to the same BSON, except that numbers small enough for
        // an int32 read back as int32: the document's values are kept, not the width of its integers.
        BsonDocument back = BsonDocument.parse(((Value.Text) row[1]).text());
        assertThat(back.get("total")).isEqualTo(document.get("total"));
        assertThat(back.get("at")).isEqualTo(document.get("at"));
        assertThat(back.get("blob")).isEqualTo(document.get("blob"));
        assertThat(back.get("big")).isEqualTo(document.get("big"));
    }

    @Test
    void shouldKeepDatesOutsideIsoYearsAndNonFiniteDoublesTyped() {
        BsonDocument document = new BsonDocument("_id", new BsonInt32(1))
                .append("ancient", new BsonDateTime(-62_198_755_200_000L))
                .append("inf", new BsonDouble(Double.POSITIVE_INFINITY))
                .append("nan", new BsonDouble(Double.NaN));

        String json = ((Value.Text) SHOP_ORDERS.row(document)[1]).text();

        assertThat(json).isEqualTo("{\"_id\": 1, \"ancient\": {\"$date\": {\"$numberLong\": \"-62198755200000\"}}, "
                + "\"inf\": {\"$numberDouble\": \"Infinity\"}, \"nan\": {\"$numberDouble\": \"NaN\"}}");
        assertThat(SHOP_ORDERS.row(document)[0]).isEqualTo(Value.text("{\"$numberInt\": \"1\"}"));
    }

    @Test
    void shouldMapADocumentIdAndADeleteKey() {
        BsonDocument id = new BsonDocument("tenant", new BsonString("t1")).append("n", new BsonInt64(5));
        BsonDocument document = new BsonDocument("_id", id).append("v", new BsonString("x"));

        assertThat(SHOP_ORDERS.row(document)[0])
                .isEqualTo(Value.text("{\"tenant\": \"t1\", \"n\": {\"$numberLong\": \"5\"}}"));
        assertThat(SHOP_ORDERS.keyRow(id))
                .containsExactly(Value.text("{\"tenant\": \"t1\", \"n\": {\"$numberLong\": \"5\"}}"), Value.NULL);
        assertThatThrownBy(() -> SHOP_ORDERS.row(new BsonDocument("v", new BsonInt32(1))))
                .hasMessage("a document of shop.orders has no _id");
    }

    @Test
    void shouldDropExcludedFieldsAndDottedPathsIncludingInsideArraysWithoutChangingTheDocument() {
        DocumentMapping mapping = new DocumentMapping("shop", "users", List.of("password", "card.number", "logins.ip", "a.b.c"));
        BsonDocument document = BsonDocument.parse("{\"_id\": \"u1\", \"password\": \"secret\", \"name\": \"n\","
                + " \"card\": {\"number\": \"4111\", \"expiry\": \"12/30\"},"
                + " \"logins\": [{\"ip\": \"1.2.3.4\", \"at\": 1}, {\"at\": 2}, \"plain\"],"
                + " \"a\": {\"b\": {\"c\": 1, \"d\": 2}, \"e\": 3}}");
        BsonDocument before = document.clone();

        Value[] row = mapping.row(document);

        assertThat(row[0]).isEqualTo(Value.text("u1"));
        assertThat(((Value.Text) row[1]).text()).isEqualTo("{\"_id\": \"u1\", \"name\": \"n\", \"card\": {\"expiry\": \"12/30\"},"
                + " \"logins\": [{\"at\": 1}, {\"at\": 2}, \"plain\"], \"a\": {\"b\": {\"d\": 2}, \"e\": 3}}");
        assertThat(document).isEqualTo(before);
        // A path into a field that is not a document (or is missing) drops nothing and fails nothing.
        assertThat(((Value.Text) mapping.row(BsonDocument.parse("{\"_id\": 1, \"card\": \"none\"}"))[1]).text())
                .isEqualTo("{\"_id\": 1, \"card\": \"none\"}");
    }

    @Test
    void shouldLetAWholeFieldExclusionWinOverAPathBelowIt() {
        DocumentMapping mapping = new DocumentMapping("shop", "users", List.of("card.number", "card"));

        assertThat(((Value.Text) mapping.row(BsonDocument.parse("{\"_id\": 1, \"card\": {\"number\": 1}, \"x\": 2}"))[1]).text())
                .isEqualTo("{\"_id\": 1, \"x\": 2}");
    }

    @Test
    void shouldRefuseToExcludeTheIdOrAnEmptyPath() {
        assertThatThrownBy(() -> new DocumentMapping("shop", "users", List.of("_id")))
                .hasMessage("exclude of shop.users: _id cannot be excluded (it is the destination's primary key);"
                        + " remove '_id' from exclude");
        assertThatThrownBy(() -> new DocumentMapping("shop", "users", List.of("_id.tenant")))
                .hasMessageContaining("_id cannot be excluded");
        assertThatThrownBy(() -> new DocumentMapping("shop", "users", List.of("a..b")))
                .hasMessage("exclude of shop.users: 'a..b' is not a field path (write a field name or dotted names like a.b)");
    }
}
