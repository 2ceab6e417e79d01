package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import java.time.Instant;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

/** Resume tokens as MongoDB 6.0 sent them to the dev environment's mongod. */
class MongoResumeTokensTest {

    /** An insert event's token, at cluster time (1796168844, 2). */
    private static final String EVENT = "{\"_data\": \"826B0F5C8C000000022B022C0100296E5A1004E8BC69B0E68144028D2D0D86EF70AF3D461E5F6964002B020004\"}";
    /** A post-batch resume token (high-water mark), at cluster time (1796168838, 2). */
    private static final String POST_BATCH = "{\"_data\": \"826B0F5C86000000022B0229296E04\"}";

    @Test
    void shouldReadTheClusterTimeAResumeTokenStartsWith() {
        assertThat(ResumeTokens.clusterTime(EVENT)).isEqualTo(new BsonTimestamp(1796168844, 2));
        assertThat(ResumeTokens.clusterTime(POST_BATCH)).isEqualTo(new BsonTimestamp(1796168838, 2));
        assertThat(ResumeTokens.instant(ResumeTokens.clusterTime(EVENT))).isEqualTo(Instant.ofEpochSecond(1796168844));
    }

    @Test
    void shouldMeasureTheLagInWholeSecondsAndNeverBelowZero() {
        assertThat(ResumeTokens.lagSeconds(POST_BATCH, new BsonTimestamp(1796168900, 1))).isEqualTo(62);
        assertThat(ResumeTokens.lagSeconds(EVENT, new BsonTimestamp(1796168800, 1))).isZero();
    }

    @Test
    void shouldRoundTripAPositionAndRefuseWhatIsNotAToken() {
        assertThat(ResumeTokens.position(ResumeTokens.parse(EVENT))).isEqualTo(EVENT);
        assertThatThrownBy(() -> ResumeTokens.clusterTime("0/16B3748")).hasMessage("not a MongoDB resume token: 0/16B3748");
        assertThatThrownBy(() -> ResumeTokens.clusterTime("{\"x\": 1}")).hasMessageContaining("no _data");
        assertThatThrownBy(() -> ResumeTokens.clusterTime("{\"_data\": \"zz\"}")).hasMessageContaining("is not hex");
        assertThatThrownBy(() -> ResumeTokens.clusterTime("{\"_data\": \"6400000001000000012B\"}"))
                .hasMessageContaining("does not start with its cluster time");
    }
}
