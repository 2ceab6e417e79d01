package dev.mirrorflow.connector.mongo.stream;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoQueryException;
import dev.mirrorflow.connector.mongo.MongoSourceException;
import dev.mirrorflow.connector.mongo.MongoSourceException.Problem;

/**
 * Words the driver's failures while a change stream opens or reads, for the mirror's status: a
 * lost oplog position and missing privileges end the mirror, an unreachable server is retried.
 */
public final class MongoStreamFailures {

    /** MongoDB's {@code CappedPositionLost}. */
    public static final int CAPPED_POSITION_LOST = 136;
    /** MongoDB's {@code ChangeStreamHistoryLost}. */
    public static final int CHANGE_STREAM_HISTORY_LOST = 286;
    /** MongoDB's {@code Unauthorized}. */
    public static final int UNAUTHORIZED = 13;
    /** MongoDB's {@code BSONObjectTooLarge}. */
    public static final int BSON_OBJECT_TOO_LARGE = 10334;

    private MongoStreamFailures() {}

    /**
     * @param mirror the mirror's name, for the message and the resync command it names
     * @param action what was being done, e.g. {@code reading the change stream}
     */
    public static MongoSourceException classify(MongoException e, String mirror, String action) {
        int code = e.getCode();
        if (code == CHANGE_STREAM_HISTORY_LOST || code == CAPPED_POSITION_LOST) {
            return historyLost(mirror, e);
        }
        if (code == UNAUTHORIZED) {
            return new MongoSourceException(Problem.NOT_AUTHORIZED, "mirror " + mirror + ": the source's user may not"
                    + " watch the mapped collections (" + serverMessage(e) + "); grant it find and changeStream on them,"
                    + " then resume the mirror", e);
        }
        if (code == BSON_OBJECT_TOO_LARGE) {
            return new MongoSourceException(Problem.EVENT_TOO_LARGE, "mirror " + mirror + ": a change event with its"
                    + " full document is larger than 16 MB (" + serverMessage(e) + "); shrink that document or exclude"
                    + " its collection from the mirror, then resync it", e);
        }
        if (e instanceof MongoCommandException || e instanceof MongoQueryException) {
            return new MongoSourceException(Problem.OTHER, "mirror " + mirror + ": the source failed while " + action
                    + " (code " + code + ": " + serverMessage(e) + "); retrying", e);
        }
        return new MongoSourceException(Problem.UNAVAILABLE, "mirror " + mirror + ": cannot reach the MongoDB source"
                + " while " + action + " (" + serverMessage(e) + "); retrying", e);
    }

    /** The oplog no longer holds the mirror's position: it fails, and only a resync brings it back. */
    public static MongoSourceException historyLost(String mirror, MongoException cause) {
        return new MongoSourceException(Problem.HISTORY_LOST, "the oplog no longer holds mirror " + mirror
                + "'s position; run `mirrorflow mirror resync " + mirror + "`", cause);
    }

    /** The server's own message, first line only; never the full response (it is long). */
    static String serverMessage(MongoException e) {
        String message = e instanceof MongoCommandException c ? c.getErrorMessage() : e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
