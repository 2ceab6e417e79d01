package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.model.RetrySettings;
import java.time.Duration;
import java.util.Objects;

/**
 * How long to wait between attempts to acquire a busy replication slot. The waiting itself is done
 * by the Temporal activity retry policy built from these values, never by a loop in mirrorflow;
 * this record only carries the configuration and computes the delays for logging.
 *
 * @param initialInterval the delay after the first failed attempt
 * @param backoffCoefficient by how much each further delay grows, at least 1
 * @param maximumInterval the cap on any one delay
 * @param maximumAttempts attempts in all before giving up, 0 for no limit
 */
public record SlotRetryPolicy(
        Duration initialInterval, double backoffCoefficient, Duration maximumInterval, int maximumAttempts) {

    /** The same policy the mirror workflow gives its activities by default. */
    public static final SlotRetryPolicy DEFAULT = from(RetrySettings.DEFAULT);

    /** The policy of the workflow's retry settings, so that logged delays match Temporal's. */
    public static SlotRetryPolicy from(RetrySettings settings) {
        return new SlotRetryPolicy(Duration.ofMillis(settings.initialIntervalMillis()), settings.backoffCoefficient(),
                Duration.ofMillis(settings.maximumIntervalMillis()), settings.maximumAttempts());
    }

    public SlotRetryPolicy {
        Objects.requireNonNull(initialInterval, "initialInterval");
        Objects.requireNonNull(maximumInterval, "maximumInterval");
        if (initialInterval.isNegative() || initialInterval.isZero()) {
            throw new IllegalArgumentException("slot retry initial interval must be positive, got " + initialInterval);
        }
        if (!(backoffCoefficient >= 1.0) || Double.isInfinite(backoffCoefficient)) {
            throw new IllegalArgumentException("slot retry backoff coefficient must be at least 1, got "
                    + backoffCoefficient);
        }
        if (maximumInterval.compareTo(initialInterval) < 0) {
            throw new IllegalArgumentException("slot retry maximum interval (" + maximumInterval
                    + ") must not be shorter than the initial interval (" + initialInterval + ")");
        }
        if (maximumAttempts < 0) {
            throw new IllegalArgumentException("slot retry maximum attempts must be 0 (unlimited) or more, got "
                    + maximumAttempts);
        }
    }

    /**
     * The delay after failed attempt number {@code attempt} (1 for the first, as Temporal's
     * {@code ActivityInfo.getAttempt()} counts): {@code initialInterval * backoffCoefficient^(attempt-1)},
     * capped at {@code maximumInterval}. This is the formula Temporal applies to the same values.
     */
    public Duration nextDelay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts are counted from 1, got " + attempt);
        }
        double millis = initialInterval.toMillis() * Math.pow(backoffCoefficient, attempt - 1);
        // Past the cap, or past what a long holds after many attempts, the cap applies.
        if (!(millis < maximumInterval.toMillis())) {
            return maximumInterval;
        }
        return Duration.ofMillis((long) millis);
    }

    /** Whether another attempt follows failed attempt number {@code attempt}. */
    public boolean allowsAttemptAfter(int attempt) {
        return maximumAttempts == 0 || attempt < maximumAttempts;
    }
}
