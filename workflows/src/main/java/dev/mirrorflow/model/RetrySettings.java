package dev.mirrorflow.model;

/**
 * How activities that need the replication slot back off while it is busy or the source is
 * unreachable (DESIGN.md 5.1): initial interval, factor, maximum interval, maximum attempts
 * (0 = unlimited).
 */
public record RetrySettings(long initialIntervalMillis, double backoffCoefficient, long maximumIntervalMillis,
        int maximumAttempts) {

    public static final RetrySettings DEFAULT = new RetrySettings(1_000, 2.0, 60_000, 0);

    public RetrySettings {
        if (initialIntervalMillis < 1 || maximumIntervalMillis < initialIntervalMillis
                || backoffCoefficient < 1.0 || maximumAttempts < 0) {
            throw new IllegalArgumentException("invalid retry settings: initial " + initialIntervalMillis
                    + "ms, factor " + backoffCoefficient + ", maximum " + maximumIntervalMillis + "ms, attempts "
                    + maximumAttempts);
        }
    }
}
