package dev.mirrorflow.connector;

/**
 * How far a mirror's destination is behind its source, as the source's connector measures it at
 * the moment it is asked (for {@code mirror status}).
 *
 * @param bytes how much of the source's change log the destination has not confirmed yet
 *     (PostgreSQL: WAL bytes), or null when unknown
 * @param unavailableBecause why it is unknown, when {@code bytes} is null
 */
public record Lag(Long bytes, String unavailableBecause) {

    public static Lag bytes(long bytes) {
        return new Lag(bytes, null);
    }

    public static Lag unavailable(String because) {
        return new Lag(null, because);
    }
}
