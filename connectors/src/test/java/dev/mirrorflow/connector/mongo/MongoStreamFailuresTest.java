package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;
import dev.mirrorflow.connector.mongo.stream.MongoStreamFailures;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** The server's replies as MongoDB 6.0 sends them (code, codeName, errmsg). */
class MongoStreamFailuresTest {

    private static final ServerAddress SERVER = new ServerAddress("127.0.0.1", 27017);

    @Test
    void shouldEndTheMirrorWithTheResyncCommandWhenTheOplogLostItsPosition() {
        for (MongoCommandException lost : new MongoCommandException[] {
                reply(286, "ChangeStreamHistoryLost", "Resume of change stream was not possible, as the resume point may"
                        + " no longer be in the oplog."),
                reply(136, "CappedPositionLost", "CollectionScan died due to position in capped collection being deleted.")}) {
            MongoSourceException failure = MongoStreamFailures.classify(lost, "orders", "opening the change stream");

            assertThat(failure.problem()).isEqualTo(Problem.HISTORY_LOST);
            assertThat(failure.retryable()).isFalse();
            assertThat(failure.type()).isEqualTo("SourceConfiguration");
            assertThat(failure.getMessage())
                    .isEqualTo("the oplog no longer holds mirror orders's position; run `mirrorflow mirror resync orders`");
            assertThat(failure.getCause()).isSameAs(lost);
        }
    }

    @Test
    void shouldEndTheMirrorWhenTheUserMayNotWatchOrAnEventIsTooLarge() {
        MongoSourceException unauthorized = MongoStreamFailures.classify(reply(13, "Unauthorized",
                "not authorized on shop to execute command { aggregate: \"orders\" }"), "orders", "opening the change stream");
        MongoSourceException tooLarge = MongoStreamFailures.classify(reply(10334, "BSONObjectTooLarge",
                "BSONObj size: 16777300 (0x1000054) is invalid."), "orders", "reading the change stream");

        assertThat(unauthorized.problem()).isEqualTo(Problem.NOT_AUTHORIZED);
        assertThat(unauthorized.retryable()).isFalse();
        assertThat(unauthorized.getMessage()).isEqualTo("mirror orders: the source's user may not watch the mapped"
                + " collections (not authorized on shop to execute command { aggregate: \"orders\" }); grant it find and"
                + " changeStream on them, then resume the mirror");
        assertThat(tooLarge.problem()).isEqualTo(Problem.EVENT_TOO_LARGE);
        assertThat(tooLarge.retryable()).isFalse();
    }

    @Test
    void shouldRetryAnUnreachableServerAndUnknownServerErrors() {
        MongoSourceException network = MongoStreamFailures.classify(
                new MongoSocketReadException("Prematurely reached end of stream", SERVER), "orders", "reading the change stream");
        MongoSourceException other = MongoStreamFailures.classify(reply(11602, "InterruptedDueToReplStateChange",
                "operation was interrupted"), "orders", "reading the change stream");

        assertThat(network.problem()).isEqualTo(Problem.UNAVAILABLE);
        assertThat(network.retryable()).isTrue();
        assertThat(network.type()).isEqualTo("SourceUnavailable");
        assertThat(network.getMessage()).isEqualTo("mirror orders: cannot reach the MongoDB source while reading the"
                + " change stream (Prematurely reached end of stream); retrying");
        assertThat(other.retryable()).isTrue();
        assertThat(other.getMessage()).isEqualTo("mirror orders: the source failed while reading the change stream"
                + " (code 11602: operation was interrupted); retrying");
    }

    private static MongoCommandException reply(int code, String codeName, String message) {
        return new MongoCommandException(new BsonDocument("ok", new BsonDouble(0)).append("errmsg", new BsonString(message))
                .append("code", new BsonInt32(code)).append("codeName", new BsonString(codeName)), SERVER);
    }
}
