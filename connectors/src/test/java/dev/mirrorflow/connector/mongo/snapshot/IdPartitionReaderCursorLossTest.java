package dev.mirrorflow.connector.mongo.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoCursorNotFoundException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * Which failures of a partition's read mean "the server forgot the cursor": those the read
 * resumes after its last {@code _id} instead of failing the whole load. The race between a
 * {@code killCursors} and the reader's next round trip decides which of the two codes arrives.
 */
class IdPartitionReaderCursorLossTest {

    private static final ServerAddress SERVER = new ServerAddress("127.0.0.1", 27117);

    @Test
    void shouldReadOnWhenTheCursorWasKilledBetweenTwoRoundTrips() {
        assertThat(IdPartitionReader.cursorLost(new MongoCursorNotFoundException(42L, failure(43, "cursor id 42 not found"), SERVER)))
                .isTrue();
    }

    @Test
    void shouldReadOnWhenTheCursorWasKilledDuringARoundTrip() {
        assertThat(IdPartitionReader.cursorLost(new MongoCommandException(failure(237, "operation was interrupted"), SERVER)))
                .isTrue();
    }

    @Test
    void shouldReadOnWhenTheConnectionWent() {
        assertThat(IdPartitionReader.cursorLost(new MongoSocketReadException("Prematurely reached end of stream", SERVER)))
                .isTrue();
    }

    @Test
    void shouldFailTheReadWhenTheServerRefusedIt() {
        assertThat(IdPartitionReader.cursorLost(new MongoCommandException(failure(13, "not authorized on x to execute command find"), SERVER)))
                .isFalse();
        assertThat(IdPartitionReader.cursorLost(new MongoCommandException(failure(2, "bad hint"), SERVER)))
                .isFalse();
    }

    private static BsonDocument failure(int code, String message) {
        return new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(code)).append("errmsg", new BsonString(message));
    }
}
