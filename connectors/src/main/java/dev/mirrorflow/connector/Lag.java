package dev.mirrorflow.connector;

/**
 * How far a mirror's destination is behind its source, as the source's connector measures it at
 * the moment it is asked (for {@code mirror status}).
 *
 * @param bytes how much of the source's change log the destination has not confirmed yet
 *     (PostgreSQL: WAL bytes), or null when unknown
 * @param seconds how far behind in time, where the source's positions are times (MongoDB: the
 *     cluster time of the last applied batch's position against the server's now), or null
 * @param unavailableBecause why it is unknown, when both {@code bytes} and {@code seconds} are null
 */
public record Lag(Long bytes, Long seconds, String unavailableBecause) {

    public static Lag bytes(long bytes) {
        return new Lag(bytes, null, null);
    }

    public static Lag seconds(long seconds) {
        return new Lag(null, seconds, null);
    }

    public static Lag unavailable(String because) {
        return new Lag(null, null, because);
    }
}
