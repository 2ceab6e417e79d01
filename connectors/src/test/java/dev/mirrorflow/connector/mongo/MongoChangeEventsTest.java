package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import dev.mirrorflow.connector.mongo.stream.ChangeEvents;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonDocumentReader;
import org.bson.codecs.DecoderContext;
import org.junit.jupiter.api.Test;

/** Change events in the shape MongoDB 6.0 sends them (recorded from the dev environment's mongod). */
class MongoChangeEventsTest {

    private static final String TOKEN = "\"_id\": {\"_data\": \"826B0F5C8C000000022B022C0100296E5A1004E8BC69B0E68144028D2D0D86EF70AF3D461E5F6964002B020004\"},"
            + " \"clusterTime\": {\"$timestamp\": {\"t\": 1796168844, \"i\": 2}}, \"wallTime\": {\"$date\": \"2026-12-01T23:47:24.123Z\"}";
    private static final DocumentMapping ORDERS = new DocumentMapping("shop", "orders", List.of("secret"));
    private static final ChangeEvents EVENTS = new ChangeEvents("m1", Map.of(ORDERS.source(), ORDERS,
            new TableId("crm", "people"), new DocumentMapping("crm", "people", List.of())));

    @Test
    void shouldTurnInsertsReplacesAndUpdatesIntoRowsOfTheWholeDocument() {
        Change.Row insert = row("{" + TOKEN + ", \"operationType\": \"insert\", \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"},"
                + " \"documentKey\": {\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}},"
                + " \"fullDocument\": {\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"qty\": {\"$numberLong\": \"3\"}, \"secret\": 1}}");
        Change.Row replace = row("{" + TOKEN + ", \"operationType\": \"replace\", \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"},"
                + " \"documentKey\": {\"_id\": \"b\"}, \"fullDocument\": {\"_id\": \"b\", \"name\": \"new\"}}");
        Change.Row update = row("{" + TOKEN + ", \"operationType\": \"update\", \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"},"
                + " \"documentKey\": {\"_id\": \"b\"}, \"updateDescription\": {\"updatedFields\": {\"n\": 2},"
                + " \"removedFields\": [], \"truncatedArrays\": []}, \"fullDocument\": {\"_id\": \"b\", \"name\": \"new\", \"n\": 2}}");

        assertThat(insert.kind()).isEqualTo(Change.Kind.INSERT);
        assertThat(insert.schema()).isEqualTo(ORDERS.schema());
        assertThat(insert.values()).containsExactly(Value.text("65a1b2c3d4e5f60718293a4b"),
                Value.text("{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"qty\": 3}"));
        assertThat(replace.kind()).isEqualTo(Change.Kind.UPDATE);
        assertThat(replace.values()).containsExactly(Value.text("b"), Value.text("{\"_id\": \"b\", \"name\": \"new\"}"));
        assertThat(update.kind()).isEqualTo(Change.Kind.UPDATE);
        assertThat(update.values()).containsExactly(Value.text("b"), Value.text("{\"_id\": \"b\", \"name\": \"new\", \"n\": 2}"));
        assertThat(update.oldValues()).isNull();
    }

    @Test
    void shouldDeleteByIdAndSkipAnUpdateWhoseLookupFoundNothing() {
        Change.Row delete = row("{" + TOKEN + ", \"operationType\": \"delete\", \"ns\": {\"db\": \"crm\", \"coll\": \"people\"},"
                + " \"documentKey\": {\"_id\": {\"$numberInt\": \"7\"}}}");
        Optional<Change.Row> gone = EVENTS.toRow(decode("{" + TOKEN + ", \"operationType\": \"update\","
                + " \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"}, \"documentKey\": {\"_id\": \"b\"},"
                + " \"updateDescription\": {\"updatedFields\": {\"n\": 3}, \"removedFields\": [], \"truncatedArrays\": []},"
                + " \"fullDocument\": null}"));

        assertThat(delete.kind()).isEqualTo(Change.Kind.DELETE);
        assertThat(delete.schema().id()).isEqualTo(new TableId("crm", "people"));
        assertThat(delete.values()).containsExactly(Value.text("{\"$numberInt\": \"7\"}"), Value.NULL);
        assertThat(gone).isEmpty();
    }

    @Test
    void shouldSkipOtherCollectionsAndEventsThatChangeNoDocument() {
        assertThat(EVENTS.toRow(decode("{" + TOKEN + ", \"operationType\": \"insert\", \"ns\": {\"db\": \"shop\","
                + " \"coll\": \"carts\"}, \"documentKey\": {\"_id\": 1}, \"fullDocument\": {\"_id\": 1}}"))).isEmpty();
        assertThat(EVENTS.toRow(decode("{" + TOKEN + ", \"operationType\": \"drop\", \"ns\": {\"db\": \"shop\","
                + " \"coll\": \"carts\"}}"))).isEmpty();
        assertThat(EVENTS.toRow(decode("{" + TOKEN + ", \"operationType\": \"createIndexes\", \"ns\": {\"db\": \"shop\","
                + " \"coll\": \"orders\"}, \"operationDescription\": {\"indexes\": []}}"))).isEmpty();
        assertThat(EVENTS.toRow(decode("{" + TOKEN + ", \"operationType\": \"dropDatabase\", \"ns\": {\"db\": \"other\"}}")))
                .isEmpty();
    }

    @Test
    void shouldEndTheMirrorWithAResyncLineWhenAMappedCollectionGoesAway() {
        assertEnds("{" + TOKEN + ", \"operationType\": \"drop\", \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"}}",
                Problem.COLLECTION_DROPPED, "mirror m1: collection shop.orders was dropped on the source; its changes can"
                        + " no longer be followed; run `mirrorflow mirror resync m1` to reload it");
        assertEnds("{" + TOKEN + ", \"operationType\": \"rename\", \"ns\": {\"db\": \"shop\", \"coll\": \"orders\"},"
                + " \"to\": {\"db\": \"shop\", \"coll\": \"orders_2025\"}}", Problem.COLLECTION_RENAMED,
                "mirror m1: collection shop.orders was renamed to shop.orders_2025 on the source; its changes can no"
                        + " longer be followed; run `mirrorflow mirror resync m1` to reload it");
        assertEnds("{" + TOKEN + ", \"operationType\": \"rename\", \"ns\": {\"db\": \"crm\", \"coll\": \"import\"},"
                + " \"to\": {\"db\": \"crm\", \"coll\": \"people\"}}", Problem.COLLECTION_RENAMED,
                "mirror m1: collection crm.import was renamed onto the mapped collection crm.people on the source,"
                        + " replacing its documents; its changes can no longer be followed; run `mirrorflow mirror resync m1`"
                        + " to reload it");
        assertEnds("{" + TOKEN + ", \"operationType\": \"dropDatabase\", \"ns\": {\"db\": \"shop\"}}", Problem.DATABASE_DROPPED,
                "mirror m1: database shop was dropped on the source; its changes can no longer be followed;"
                        + " run `mirrorflow mirror resync m1` to reload it");
        assertEnds("{" + TOKEN + ", \"operationType\": \"invalidate\"}", Problem.STREAM_INVALIDATED,
                "mirror m1: the source invalidated the change stream (a mapped collection or its database was dropped or"
                        + " renamed); its changes can no longer be followed; run `mirrorflow mirror resync m1` to reload it");
    }

    private static void assertEnds(String event, Problem problem, String message) {
        assertThatThrownBy(() -> EVENTS.toRow(decode(event)))
                .isInstanceOfSatisfying(MongoSourceException.class, e -> {
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessage(message);
    }

    private static Change.Row row(String event) {
        return EVENTS.toRow(decode(event)).orElseThrow();
    }

    private static ChangeStreamDocument<BsonDocument> decode(String json) {
        return ChangeStreamDocument.createCodec(BsonDocument.class, MongoClientSettings.getDefaultCodecRegistry())
                .decode(new BsonDocumentReader(BsonDocument.parse(json)), DecoderContext.builder().build());
    }
}
